"""Missing follow-up: multiple imputation, Rubin's rules and delta-adjusted sensitivity.

Everyone with a baseline score is analysed ("all enrolled"). A missing
follow-up score is imputed ``m`` times by Bayesian linear regression on the
baseline score, group, site and declared covariates (the ``norm`` method of
R's mice: residual variance drawn from a scaled inverse chi-squared, then the
coefficients from their posterior normal, then the value with noise). Each
completed data set is analysed and the results are pooled with Rubin's rules,
with the Barnard-Rubin degrees of freedom that mice's ``pool`` uses.

The delta-adjusted analysis shifts imputed values ``k`` points in the worse
direction (non-returners assumed to have fared worse than similar returners),
over a grid of ``k``, and reports the smallest ``k`` at which the conclusion
changes: the tipping point. For the mean change every imputed value is
shifted; for the group difference only the intervention group's, since
shifting both groups alike would leave the difference nearly unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

from pipeline.compare import design
from pipeline.progress import bar
from pipeline.stats_table import row


@dataclass(frozen=True)
class Pooled:
    """Rubin's-rules pooled estimate."""

    estimate: float
    se: float
    df: float
    fmi: float
    m: int

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Return the t-based confidence interval."""
        if not self.se > 0:
            return self.estimate, self.estimate
        q = stats.t.ppf(0.5 + level / 2, self.df)
        return self.estimate - q * self.se, self.estimate + q * self.se

    @property
    def p_value(self) -> float:
        """Two-sided p-value (NaN when the standard error is zero)."""
        if not self.se > 0:
            return float("nan")
        return float(2 * stats.t.sf(abs(self.estimate / self.se), self.df))


def pool(estimates: Sequence[float], variances: Sequence[float], dfcom: float) -> Pooled:
    """Pool estimates from ``m`` imputed data sets (Rubin 1987; Barnard and Rubin 1999).

    Parameters
    ----------
    estimates, variances : sequence of float
        Each data set's estimate and squared standard error.
    dfcom : float
        Degrees of freedom of the complete-data analysis.
    """
    q = np.asarray(estimates, float)
    u = np.asarray(variances, float)
    m = len(q)
    qbar, ubar, b = q.mean(), u.mean(), q.var(ddof=1)
    t = ubar + (1 + 1 / m) * b
    if t <= 0:  # no variation at all: the estimate is exact and nothing can be tested
        return Pooled(float(qbar), 0.0, float("nan"), float("nan"), m)
    lam = (1 + 1 / m) * b / t
    riv = (1 + 1 / m) * b / ubar
    df_old = (m - 1) / lam**2 if lam > 0 else np.inf
    df_obs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
    df = df_old * df_obs / (df_old + df_obs) if np.isfinite(df_old) else df_obs
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    return Pooled(float(qbar), float(np.sqrt(t)), float(df), float(fmi), m)


def impute_norm(y: np.ndarray, X: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``m`` imputations of the missing entries of ``y`` (mice's ``norm`` method).

    Returns
    -------
    numpy.ndarray
        ``m`` x (number missing) imputed values, in the order of the missing entries.
    """
    observed = ~np.isnan(y)
    xo, yo, xm = X[observed], y[observed], X[~observed]
    n, p = xo.shape
    xtx = xo.T @ xo
    xtx_inv = np.linalg.inv(xtx + np.diag(np.diag(xtx)) * 1e-5)  # mice's ridge
    beta_hat = xtx_inv @ xo.T @ yo
    rss = ((yo - xo @ beta_hat) ** 2).sum()
    chol = np.linalg.cholesky(xtx_inv)
    sigma = np.sqrt(rss / rng.chisquare(n - p, size=m))
    betas = beta_hat[None, :] + sigma[:, None] * (rng.standard_normal((m, p)) @ chol.T)
    noise = rng.standard_normal((m, xm.shape[0])) * sigma[:, None]
    return betas @ xm.T + noise


@dataclass
class ImputedAnalysis:
    """Per data set estimates of the mean change and (with groups) the group effect."""

    change: Pooled
    group_effect: Pooled | None
    n: int
    n_missing: int


def _predictors(data: pd.DataFrame, numeric, categorical, intervention) -> np.ndarray:
    frame = data.copy()
    num = []
    for col in numeric:
        missing = frame[col].isna()
        frame[col] = frame[col].fillna(frame[col].mean())
        num.append(col)
        if missing.any():
            frame[f"{col}_missing"] = missing.astype(float)
            num.append(f"{col}_missing")
    for col in categorical:
        frame[col] = frame[col].astype("string").fillna("not recorded")
    return full_rank(design(frame, ["baseline", *num], categorical, intervention).to_numpy(float))


def full_rank(X: np.ndarray) -> np.ndarray:
    """Drop constant and linearly dependent predictor columns, as mice does.

    The intercept and the earliest columns (baseline, group) are kept first.
    """
    keep = [0] + [j for j in range(1, X.shape[1]) if np.ptp(X[:, j]) > 0]
    X = X[:, keep]
    _, r, pivot = linalg.qr(X, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > diag[0] * 1e-10).sum()) if len(diag) else 0
    return X[:, np.sort(pivot[:rank])]


def analyse_imputed(
    data: pd.DataFrame,
    intervention: str | None,
    numeric: Sequence[str],
    categorical: Sequence[str],
    m: int,
    seed: int,
    delta_grid: Sequence[float],
    worse_sign: int,
) -> list[tuple[float, ImputedAnalysis]]:
    """Impute missing follow-ups, analyse each completed set, pool; repeat for each delta.

    Parameters
    ----------
    data : pandas.DataFrame
        Everyone enrolled with a baseline score: ``baseline``, ``follow`` (NaN when
        missing), ``group`` and the predictor columns.
    intervention : str or None
        Intervention group when there is a comparison group.
    numeric, categorical : sequence of str
        Further predictors of the imputation model (e.g. covariates, ``site``).
    m, seed : int
        Number of imputations and the random seed.
    delta_grid : sequence of float
        Shifts (in score points) applied to imputed values, in the worse direction.
    worse_sign : int
        -1 when higher scores are better (worse = lower), +1 when higher is worse.

    Returns
    -------
    list of (delta, ImputedAnalysis)
    """
    rng = np.random.default_rng(seed)
    X = _predictors(data, numeric, categorical, intervention)
    y = data["follow"].to_numpy(float)
    missing = np.isnan(y)
    draws = impute_norm(y, X, m, rng) if missing.any() else np.zeros((m, 0))
    base = data["baseline"].to_numpy(float)
    n, n_missing = len(y), int(missing.sum())
    # Each completed data set differs from the others only in its imputed entries, and
    # a shift of k points moves those entries by k; so the analyses need only sums over
    # the imputed entries, computed once per draw, and each delta costs O(m), not O(n).
    # Values are centred first so that the sums of squares lose no precision.
    centre = float(np.mean(y[~missing] - base[~missing])) if n_missing < n else 0.0
    d_obs = y[~missing] - base[~missing] - centre
    e = draws - (base[missing] + centre)
    change_sums = (d_obs.sum(), d_obs @ d_obs, e.sum(axis=1), (e * e).sum(axis=1))
    has_groups = intervention is not None and data["group"].nunique() > 1
    if has_groups:
        treated = (data["group"] == intervention).to_numpy(float)
        ancova_x = np.column_stack([np.ones(n), base, treated])
        xtx_inv = np.linalg.inv(ancova_x.T @ ancova_x)
        shift = treated[missing]  # only the intervention group's imputed values move
        mu = float(y[~missing].mean()) if n_missing < n else 0.0
        yc = y[~missing] - mu
        dc = draws - mu
        xm = ancova_x[missing]
        ancova_sums = (
            ancova_x[~missing].T @ yc + dc @ xm,  # X'y per draw (m x 3)
            xm.T @ shift,
            yc @ yc + (dc * dc).sum(axis=1),  # y'y per draw
            dc @ shift,
            shift @ shift,
        )
    out = []
    for delta in bar(delta_grid, "analyse: imputation and sensitivity grid"):
        k = worse_sign * delta
        sum_obs, sq_obs, sum_e, sq_e = change_sums
        mean = (sum_obs + sum_e + n_missing * k) / n
        squares = sq_obs + sq_e + 2 * k * sum_e + n_missing * k**2
        change = pool(mean + centre, (squares - n * mean**2) / (n - 1) / n, n - 1)
        effect = None
        if has_groups:
            xty, x_shift, yty, cross, shifted = ancova_sums
            xty = xty + k * x_shift
            beta = xty @ xtx_inv
            rss = yty + 2 * k * cross + k**2 * shifted - (xty * beta).sum(axis=1)
            effect = pool(beta[:, 2], rss / (n - 3) * xtx_inv[2, 2], n - 3)
        out.append((float(delta), ImputedAnalysis(change, effect, n, n_missing)))
    return out


def imputation_rows(
    results: list[tuple[float, ImputedAnalysis]], method: str, **ctx: Any
) -> list[dict[str, Any]]:
    """Statistics rows for the MI estimate (delta 0), the delta grid and the tipping point."""
    rows = []
    first = results[0][1]
    key = "group_effect" if first.group_effect is not None else "change"
    term = "group_difference" if key == "group_effect" else "mean_change"
    note = f"{first.n_missing} of {first.n} follow-ups imputed, m = {first.change.m}"
    for name, pooled in (("mean_change", first.change), ("group_difference", first.group_effect)):
        if pooled is None:
            continue
        lo, hi = pooled.ci()
        rows.append(
            row(
                "multiple_imputation",
                name,
                population="all_enrolled",
                n=first.n,
                estimate=pooled.estimate,
                se=pooled.se,
                ci_low=lo,
                ci_high=hi,
                statistic=pooled.estimate / pooled.se if pooled.se > 0 else None,
                df=pooled.df,
                p_value=pooled.p_value,
                method=method,
                note=f"{note}; fraction of missing information {pooled.fmi:.3f}",
                **ctx,
            )
        )
    base = getattr(first, key)
    significant = base.p_value < 0.05
    tipping = None
    for delta, analysis in results:
        pooled = getattr(analysis, key)
        lo, hi = pooled.ci()
        rows.append(
            row(
                "delta_adjusted",
                f"{term}@delta={delta:g}",
                population="all_enrolled",
                n=analysis.n,
                estimate=pooled.estimate,
                se=pooled.se,
                ci_low=lo,
                ci_high=hi,
                df=pooled.df,
                p_value=pooled.p_value,
                method=f"{method}; imputed values shifted {delta:g} points worse"
                + (" in the intervention group" if key == "group_effect" else ""),
                **ctx,
            )
        )
        changed = (pooled.p_value < 0.05) != significant or (
            significant and np.sign(pooled.estimate) != np.sign(base.estimate)
        )
        if tipping is None and changed:
            tipping = delta
    verdict = (
        f"the conclusion changes when non-returners are assumed {tipping:g} points worse"
        if tipping is not None
        else "the conclusion holds across the whole grid"
    )
    rows.append(
        row(
            "delta_adjusted",
            "tipping_point",
            population="all_enrolled",
            n=first.n,
            estimate=tipping,
            method=f"smallest shift at which p crosses 0.05 for the {term.replace('_', ' ')}",
            note=verdict,
            **ctx,
        )
    )
    return rows
