"""Attrition: how people who returned a follow-up differ at baseline from those who did not.

For each follow-up wave, every enrolled person (a used baseline return) is a
*completer* if they have a used return at that wave, and a *non-completer*
otherwise. The two are compared on every baseline score and every declared
covariate:

* numeric variables: means and SDs, the standardised mean difference
  ``(mean_completers - mean_non_completers) / sqrt((sd_c**2 + sd_nc**2) / 2)``
  and Welch's t-test (unequal variances, Welch-Satterthwaite df);
* categorical variables: the share in each level with its standardised
  difference ``(p_c - p_nc) / sqrt((p_c (1 - p_c) + p_nc (1 - p_nc)) / 2)``, and
  Pearson's chi-squared test of independence without continuity correction
  (on the variable, reported on its first row).

A variable is flagged for differential attrition when any ``|SMD|`` exceeds the
threshold (default 0.2). The comparison is made for everyone and, when the
study has groups, within each group.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.config import Study
from pipeline.instruments import Instrument
from pipeline.keys import member
from pipeline.score import scored_instruments

COLUMNS = [
    "wave",
    "group",
    "variable",
    "kind",
    "level",
    "n_completers",
    "n_non_completers",
    "mean_completers",
    "sd_completers",
    "mean_non_completers",
    "sd_non_completers",
    "smd",
    "test",
    "statistic",
    "df",
    "p_value",
    "differential",
]


def _numeric(name: str, x: pd.Series, done: pd.Series) -> dict:
    a, b = x[done].dropna().to_numpy(float), x[~done].dropna().to_numpy(float)
    row = {
        "variable": name,
        "kind": "numeric",
        "level": "",
        "n_completers": len(a),
        "n_non_completers": len(b),
        "mean_completers": a.mean() if len(a) else np.nan,
        "sd_completers": a.std(ddof=1) if len(a) > 1 else np.nan,
        "mean_non_completers": b.mean() if len(b) else np.nan,
        "sd_non_completers": b.std(ddof=1) if len(b) > 1 else np.nan,
        "smd": np.nan,
        "test": "welch_t",
        "statistic": np.nan,
        "df": np.nan,
        "p_value": np.nan,
    }
    if len(a) > 1 and len(b) > 1:
        pooled = np.sqrt((row["sd_completers"] ** 2 + row["sd_non_completers"] ** 2) / 2)
        if pooled > 0:
            row["smd"] = (row["mean_completers"] - row["mean_non_completers"]) / pooled
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        if va + vb > 0:  # Welch's t-test, written out (as R's t.test with var.equal = FALSE)
            t = (a.mean() - b.mean()) / np.sqrt(va + vb)
            df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
            row["statistic"], row["df"] = float(t), float(df)
            row["p_value"] = float(2 * stats.t.sf(abs(t), df))
    return row


def _categorical(name: str, x: pd.Series, done: pd.Series) -> list[dict]:
    known = x.notna()
    table = pd.crosstab(x[known], done[known]).reindex(columns=[True, False], fill_value=0)
    n_c, n_nc = int(table[True].sum()), int(table[False].sum())
    rows = []
    for level, counts in table.iterrows():
        p1 = counts[True] / n_c if n_c else np.nan
        p2 = counts[False] / n_nc if n_nc else np.nan
        spread = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
        rows.append(
            {
                "variable": name,
                "kind": "categorical",
                "level": str(level),
                "n_completers": n_c,
                "n_non_completers": n_nc,
                "mean_completers": p1,
                "sd_completers": np.nan,
                "mean_non_completers": p2,
                "sd_non_completers": np.nan,
                "smd": (p1 - p2) / spread if spread > 0 else np.nan,
                "test": "",
                "statistic": np.nan,
                "df": np.nan,
                "p_value": np.nan,
            }
        )
    if rows and len(table) > 1 and n_c and n_nc:
        chi2, p, dof, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
        rows[0].update(test="pearson_chi2", statistic=chi2, df=float(dof), p_value=p)
    return rows


def baseline_table(scores: pd.DataFrame, instruments: Mapping[str, Instrument], study: Study):
    """Return one row per enrolled person: baseline scores, covariates, group and site."""
    baseline = scores[scores["wave"] == study.waves[0]].drop_duplicates("respondent_id")
    score_cols = [s for inst in scored_instruments(scores, instruments) for s in inst.score_ids]
    extra = [c for c in ("group", "site", *study.covariates) if c in baseline]
    return baseline[["respondent_id", *score_cols, *extra]].reset_index(drop=True), score_cols


def attrition(
    scores: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    study: Study,
    threshold: float = 0.2,
) -> pd.DataFrame:
    """Compare completers and non-completers at baseline, for each follow-up wave.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores of the used returns (every wave).
    instruments : mapping of str to Instrument
        Definitions, to know which columns are scores.
    study : Study
        Waves, groups and covariates.
    threshold : float
        ``|SMD|`` above which a variable is flagged as differential attrition.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`COLUMNS`; ``group`` is ``all`` or a group name;
        ``differential`` is True on every row of a flagged variable.
    """
    base, score_cols = baseline_table(scores, instruments, study)
    categorical = [c for c in ("group", "site", *study.covariates) if c in base]
    categorical = [c for c in categorical if not pd.api.types.is_numeric_dtype(base[c])]
    numeric = score_cols + [c for c in study.covariates if c in base and c not in categorical]
    has_groups = "group" in base and base["group"].notna().any()
    rows = []
    for wave in study.waves[1:]:
        followed = scores.loc[scores["wave"] == wave, "respondent_id"]
        done_all = pd.Series(member(base["respondent_id"], followed), index=base.index)
        subsets = [("all", np.ones(len(base), dtype=bool))]
        if has_groups:
            subsets += [
                (g, (base["group"] == g).to_numpy()) for g in base["group"].dropna().unique()
            ]
        for group, mask in subsets:
            sub, done = base[mask], done_all[mask]
            for name in numeric:
                rows.append(_numeric(name, sub[name], done) | {"wave": wave, "group": group})
            for name in categorical:
                if name == "group" and group != "all":
                    continue
                rows += [
                    r | {"wave": wave, "group": group} for r in _categorical(name, sub[name], done)
                ]
    out = pd.DataFrame(rows, columns=COLUMNS)
    flagged = (
        out.assign(big=out["smd"].abs() > threshold)
        .groupby(["wave", "group", "variable"], sort=False)["big"]
        .transform("any")
    )
    out["differential"] = flagged.astype(bool)
    return out
