"""Between-group comparisons: ANCOVA, difference-in-differences, subgroup interactions.

Ordinary least squares comes from statsmodels; designs are built here so that
coding matches R's defaults (treatment contrasts, the first level in sorted
order as reference, the comparison group as the group reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from pipeline.stats_table import row


def design(
    frame: pd.DataFrame,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    intervention: str | None = None,
) -> pd.DataFrame:
    """Build a design matrix: intercept, numeric columns, ``group`` as 0/1, dummies.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data; rows with missing values in any named column should be dropped first.
    numeric : sequence of str
        Columns used as they are.
    categorical : sequence of str
        Columns expanded to treatment dummies, the first sorted level as reference.
    intervention : str, optional
        When given, ``group`` becomes ``group[<intervention>]`` = 1 for that group.

    Returns
    -------
    pandas.DataFrame
        Float columns named ``const``, the numeric names, ``group[<level>]`` and
        ``<column>[<level>]`` for each non-reference level.
    """
    parts = [pd.Series(1.0, index=frame.index, name="const")]
    parts += [frame[c].astype(float).rename(c) for c in numeric]
    if intervention is not None:
        parts.append(
            (frame["group"] == intervention).astype(float).rename(f"group[{intervention}]")
        )
    for col in categorical:
        levels = sorted(frame[col].astype(str).unique())
        for level in levels[1:]:
            parts.append((frame[col].astype(str) == level).astype(float).rename(f"{col}[{level}]"))
    return pd.concat(parts, axis=1)


def ols(y: pd.Series, X: pd.DataFrame):
    """Fit ordinary least squares with statsmodels; raise ValueError when rank-deficient."""
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise ValueError(f"the design is rank-deficient (columns {list(X.columns)})")
    return sm.OLS(y.astype(float), X).fit()


def _ols_row(fit, coef: str, analysis: str, term: str, **kw: Any) -> dict[str, Any]:
    """One statistics row for an OLS coefficient: estimate, SE, t-based CI, t, df, p."""
    ci = fit.conf_int().loc[coef]
    return row(
        analysis,
        term,
        n=int(fit.nobs),
        estimate=fit.params[coef],
        se=fit.bse[coef],
        ci_low=ci.iloc[0],
        ci_high=ci.iloc[1],
        statistic=fit.tvalues[coef],
        df=fit.df_resid,
        p_value=fit.pvalues[coef],
        **kw,
    )


def _coef_row(fit, term: str, analysis: str, sd: float | None, method: str, **ctx: Any):
    ci = fit.conf_int().loc[term]
    rows = [_ols_row(fit, term, analysis, "group_difference", method=method, **ctx)]
    if sd and sd > 0:
        rows.append(
            row(
                analysis,
                "group_difference_standardised",
                n=int(fit.nobs),
                estimate=fit.params[term] / sd,
                ci_low=ci.iloc[0] / sd,
                ci_high=ci.iloc[1] / sd,
                method=f"adjusted difference / SD of baseline among completers ({sd:.4g})",
                **ctx,
            )
        )
    return rows


def ancova(
    pairs: pd.DataFrame,
    intervention: str,
    covariates_numeric: Sequence[str] = (),
    covariates_categorical: Sequence[str] = (),
    **ctx: Any,
) -> list[dict[str, Any]]:
    """ANCOVA: ``follow ~ baseline + group (+ covariates)``; the adjusted group difference.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Completers with columns ``baseline``, ``follow``, ``group`` and the covariates.
    intervention : str
        The intervention group (coded 1; every other group is the comparison).
    """
    cols = ["baseline", "follow", "group", *covariates_numeric, *covariates_categorical]
    data = pairs[cols].dropna()
    if data["group"].nunique() < 2 or len(data) < 5:
        return [row("ancova", "group_difference", n=len(data), note="needs both groups", **ctx)]
    X = design(data, ["baseline", *covariates_numeric], covariates_categorical, intervention)
    try:
        fit = ols(data["follow"], X)
    except ValueError as exc:
        return [row("ancova", "group_difference", n=len(data), note=f"not fitted: {exc}", **ctx)]
    adjusted = " + ".join(["baseline", "group", *covariates_numeric, *covariates_categorical])
    return _coef_row(
        fit,
        f"group[{intervention}]",
        "ancova",
        data["baseline"].std(ddof=1),
        f"OLS: follow-up ~ {adjusted}; {intervention} vs the rest",
        **ctx,
    )


def difference_in_differences(pairs: pd.DataFrame, intervention: str, **ctx: Any) -> dict[str, Any]:
    """Difference in mean change (intervention minus comparison), Welch's t-test."""
    change = pairs["follow"] - pairs["baseline"]
    a = change[pairs["group"] == intervention].to_numpy(float)
    b = change[pairs["group"] != intervention].to_numpy(float)
    if len(a) < 2 or len(b) < 2:
        return row(
            "difference_in_differences",
            "difference",
            n=len(a) + len(b),
            note="needs two completers in each group",
            **ctx,
        )
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    est = a.mean() - b.mean()
    q = stats.t.ppf(0.975, df)
    return row(
        "difference_in_differences",
        "difference",
        n=len(a) + len(b),
        estimate=est,
        se=se,
        ci_low=est - q * se,
        ci_high=est + q * se,
        statistic=est / se,
        df=df,
        p_value=2 * stats.t.sf(abs(est / se), df),
        method="mean change (intervention) - mean change (comparison); Welch's t-test",
        **ctx,
    )


def subgroup_interaction(
    pairs: pd.DataFrame, by: str, intervention: str | None, min_n: int, **ctx: Any
) -> list[dict[str, Any]]:
    """Effect within each level of ``by`` and a test that it differs between levels.

    With a comparison group: the ANCOVA group difference within each level and
    the F-test of the ``group x by`` interaction. Without: the mean change
    within each level and the one-way F-test of change across levels. Levels
    with fewer than ``min_n`` completers are suppressed (and left out of the test).
    """
    data = pairs.dropna(subset=["baseline", "follow", by]).copy()
    data[by] = data[by].astype(str)
    sizes = data[by].value_counts()
    keep = sizes[sizes >= min_n].index
    rows = [
        row("subgroup", f"{by}={level}", n=None, note=f"suppressed: fewer than {min_n}", **ctx)
        for level in sorted(set(sizes.index) - set(keep))
    ]
    data = data[data[by].isin(keep)]
    if data[by].nunique() < 2:
        return rows
    for level, sub in data.groupby(by):
        if intervention is not None:
            got = ancova(sub, intervention, **ctx)
            rows.append({**got[0], "analysis": "subgroup", "term": f"{by}={level}"})
        else:
            d = (sub["follow"] - sub["baseline"]).to_numpy(float)
            se = d.std(ddof=1) / np.sqrt(len(d))
            q = stats.t.ppf(0.975, len(d) - 1)
            rows.append(
                row(
                    "subgroup",
                    f"{by}={level}",
                    n=len(d),
                    estimate=d.mean(),
                    se=se,
                    ci_low=d.mean() - q * se,
                    ci_high=d.mean() + q * se,
                    method="mean change within the subgroup",
                    **ctx,
                )
            )
    if intervention is not None:
        base = design(data, ["baseline"], [by], intervention)
        term = f"group[{intervention}]"
        inter = base.copy()
        for col in [c for c in base.columns if c.startswith(f"{by}[")]:
            inter[f"{term}:{col}"] = base[term] * base[col]
        try:
            full, reduced = ols(data["follow"], inter), ols(data["follow"], base)
        except ValueError as exc:
            rows.append(
                row(
                    "subgroup",
                    f"interaction_group_x_{by}",
                    n=len(data),
                    note=f"not tested: {exc}",
                    **ctx,
                )
            )
            return rows
        f, p, df_diff = full.compare_f_test(reduced)
        rows.append(
            row(
                "subgroup",
                f"interaction_group_x_{by}",
                n=len(data),
                statistic=f,
                df=df_diff,
                p_value=p,
                method="F-test of group x subgroup terms in the ANCOVA",
                note=f"denominator df {full.df_resid:g}",
                **ctx,
            )
        )
    else:
        change = data["follow"] - data["baseline"]
        groups = [change[data[by] == level].to_numpy(float) for level in sorted(keep)]
        f, p = stats.f_oneway(*groups)
        rows.append(
            row(
                "subgroup",
                f"difference_across_{by}",
                n=len(data),
                statistic=f,
                df=len(groups) - 1,
                p_value=p,
                method="one-way ANOVA of change",
                **ctx,
            )
        )
    return rows


def dose_response(pairs: pd.DataFrame, dose: str, **ctx: Any) -> list[dict[str, Any]]:
    """Regression of change on the dose (e.g. sessions attended) among completers."""
    data = pairs.dropna(subset=["baseline", "follow", dose])
    if data[dose].nunique() < 2 or len(data) < 5:
        return [
            row(
                "dose_response",
                f"change_per_{dose}",
                n=len(data),
                note="too few people or no variation in dose",
                **ctx,
            )
        ]
    fit = ols(data["follow"] - data["baseline"], design(data, [dose]))
    return [
        _ols_row(
            fit,
            dose,
            "dose_response",
            f"change_per_{dose}",
            method=f"OLS: change ~ {dose}",
            note="association only: people choose how many sessions to attend",
            **ctx,
        )
    ]
