"""Change within people: paired tests, effect sizes, reliable and clinical change, bands.

All functions take the paired values of one score (baseline ``x``, follow-up
``y``) for the completers of one group and return statistics rows
(:mod:`pipeline.stats_table`). Definitions follow R where R has a function
(``t.test``, ``wilcox.test``, ``mcnemar.test``) and the cited papers otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import optimize, stats

from pipeline.stats_table import row


def paired_t(x: np.ndarray, y: np.ndarray, **ctx: Any) -> dict[str, Any]:
    """Mean change ``y - x`` with a paired t-test and 95% CI.

    As R's ``t.test(y, x, paired = TRUE)``.
    """
    d = y - x
    n = len(d)
    if n < 2:
        return row(
            "paired_change",
            "mean_change",
            n=n,
            estimate=d.mean() if n else None,
            note="fewer than 2 completers",
            **ctx,
        )
    se = d.std(ddof=1) / np.sqrt(n)
    t = d.mean() / se if se > 0 else np.nan
    q = stats.t.ppf(0.975, n - 1)
    return row(
        "paired_change",
        "mean_change",
        n=n,
        estimate=d.mean(),
        se=se,
        ci_low=d.mean() - q * se,
        ci_high=d.mean() + q * se,
        statistic=t,
        df=n - 1,
        p_value=2 * stats.t.sf(abs(t), n - 1),
        method="paired t-test",
        **ctx,
    )


def wilcoxon(x: np.ndarray, y: np.ndarray, **ctx: Any) -> dict[str, Any]:
    """Wilcoxon signed-rank test of ``y - x``.

    Zeros are dropped; normal approximation with tie and continuity corrections;
    the statistic V is the sum of positive ranks (R's ``wilcox.test`` with
    ``exact = FALSE, correct = TRUE``).
    """
    d = y - x
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return row("wilcoxon", "signed_rank", n=0, note="no non-zero changes", **ctx)
    ranks = stats.rankdata(np.abs(d))
    v = ranks[d > 0].sum()
    _, ties = np.unique(np.abs(d), return_counts=True)
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (ties**3 - ties).sum() / 48)
    centred = v - n * (n + 1) / 4
    z = (centred - np.sign(centred) * 0.5) / sigma if sigma > 0 else np.nan
    return row(
        "wilcoxon",
        "signed_rank",
        n=n,
        statistic=v,
        p_value=2 * stats.norm.sf(abs(z)),
        method="Wilcoxon signed-rank, normal approximation with continuity correction; "
        "zero changes dropped",
        note=f"z = {z:.4g}",
        **ctx,
    )


def _ncp_interval(t: float, df: float, level: float = 0.95) -> tuple[float, float]:
    """Confidence limits for the noncentrality parameter of an observed t (inverting pt).

    The search bracket grows from about three approximate standard errors around
    ``t`` until it holds the root, avoiding the far tails where ``nct.cdf`` fails.
    """
    tail = (1 - level) / 2
    spread = np.sqrt(1 + t * t / (2 * df))

    def solve(target: float) -> float:
        f = lambda ncp: stats.nct.cdf(t, df, ncp) - target  # noqa: E731
        for k in (3, 5, 8, 12, 20):
            a, b = t - k * spread, t + k * spread
            fa, fb = f(a), f(b)
            if np.isfinite(fa) and np.isfinite(fb) and fa * fb < 0:
                return optimize.brentq(f, a, b, xtol=1e-12)
        return float("nan")

    return solve(1 - tail), solve(tail)


def effect_sizes(x: np.ndarray, y: np.ndarray, **ctx: Any) -> list[dict[str, Any]]:
    """Cohen's d_z, d_av and Hedges' g_av for paired data (Lakens 2013), each with a 95% CI.

    ``d_z = mean(d) / sd(d)`` with a CI from the noncentral t distribution;
    ``d_av = mean(d) / ((sd(x) + sd(y)) / 2)`` and ``g_av = d_av * J`` with
    ``J = 1 - 3 / (4 (n - 1) - 1)``; their CIs rescale the noncentral-t limits of
    the mean change by the average SD, which treats that SD as known (approximate).
    """
    d = y - x
    n = len(d)
    if n < 3 or d.std(ddof=1) == 0:
        return [row("effect_size", "d_z", n=n, note="too few completers or no variation", **ctx)]
    sd_d = d.std(ddof=1)
    t = d.mean() / (sd_d / np.sqrt(n))
    lo, hi = _ncp_interval(t, n - 1)
    s_av = (x.std(ddof=1) + y.std(ddof=1)) / 2
    j = 1 - 3 / (4 * (n - 1) - 1)
    mean_lo, mean_hi = lo * sd_d / np.sqrt(n), hi * sd_d / np.sqrt(n)
    return [
        row(
            "effect_size",
            "d_z",
            n=n,
            estimate=d.mean() / sd_d,
            ci_low=lo / np.sqrt(n),
            ci_high=hi / np.sqrt(n),
            method="Cohen's d_z: mean change / SD of change; CI from the noncentral t",
            **ctx,
        ),
        row(
            "effect_size",
            "d_av",
            n=n,
            estimate=d.mean() / s_av,
            ci_low=mean_lo / s_av,
            ci_high=mean_hi / s_av,
            method="Cohen's d_av: mean change / average of baseline "
            "and follow-up SDs; CI treats the average SD as known (approximate)",
            **ctx,
        ),
        row(
            "effect_size",
            "g_av",
            n=n,
            estimate=j * d.mean() / s_av,
            ci_low=j * mean_lo / s_av,
            ci_high=j * mean_hi / s_av,
            method="Hedges' g_av: d_av x (1 - 3 / (4 (n - 1) - 1)); CI as for d_av",
            **ctx,
        ),
    ]


def reliable_change(
    x: np.ndarray,
    y: np.ndarray,
    sd: float,
    reliability: float,
    higher_is: str,
    source: str,
    **ctx: Any,
) -> list[dict[str, Any]]:
    """Jacobson-Truax reliable change.

    ``S_diff = sd * sqrt(2) * sqrt(1 - r)``; a change beyond ``1.96 * S_diff`` in
    the better direction is reliable improvement.

    Returns the threshold and the shares improved, unchanged and deteriorated.
    """
    s_diff = sd * np.sqrt(2) * np.sqrt(1 - reliability)
    threshold = 1.96 * s_diff
    better = (y - x) if higher_is == "better" else (x - y)
    n = len(better)
    counts = {
        "improved": int((better > threshold).sum()),
        "unchanged": int((np.abs(better) <= threshold).sum()),
        "deteriorated": int((better < -threshold).sum()),
    }
    method = f"Jacobson-Truax RCI; SD {sd:.4g} and reliability {reliability:.3g} from {source}"
    rows = [row("reliable_change", "rci_threshold", n=n, estimate=threshold, method=method, **ctx)]
    for term, count in counts.items():
        rows.append(
            row(
                "reliable_change",
                f"share_{term}",
                n=n,
                estimate=count / n if n else None,
                statistic=count,
                method=method,
                note="statistic holds the count",
                **ctx,
            )
        )
    return rows


def clinical_change(
    x: np.ndarray,
    y: np.ndarray,
    threshold: float,
    norm_mean: float,
    norm_sd: float,
    higher_is: str,
    source: str,
    **ctx: Any,
) -> list[dict[str, Any]]:
    """Jacobson-Truax criterion c and the share *recovered*.

    Recovered: reliable improvement that ends past c, having started on the
    other side.

    ``c = (sd_fun * m_dys + sd_dys * m_fun) / (sd_fun + sd_dys)`` with the population
    norm as the functional distribution and this sample's baseline as the
    dysfunctional one (no clinical norms are stored for these instruments).
    """
    m_dys, sd_dys = x.mean(), x.std(ddof=1)
    c = (norm_sd * m_dys + sd_dys * norm_mean) / (norm_sd + sd_dys)
    sign = 1 if higher_is == "better" else -1
    start_below = sign * (x - c) < 0
    improved = sign * (y - x) > threshold
    recovered = start_below & improved & (sign * (y - c) >= 0)
    n = len(x)
    method = (
        f"criterion c from the norm ({source}) and this sample's baseline as the "
        "dysfunctional distribution"
    )
    return [
        row("clinical_change", "criterion_c", n=n, estimate=c, method=method, **ctx),
        row(
            "clinical_change",
            "share_starting_past_c",
            n=n,
            estimate=1 - start_below.mean() if n else None,
            statistic=int(n - start_below.sum()),
            method=method,
            note="statistic holds the count",
            **ctx,
        ),
        row(
            "clinical_change",
            "share_recovered",
            n=int(start_below.sum()),
            estimate=recovered.sum() / start_below.sum() if start_below.any() else None,
            statistic=int(recovered.sum()),
            method=method,
            note="among those starting on the unwell side of c; statistic holds the count",
            **ctx,
        ),
    ]


def band_of(values: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Band index of each value: a value at or above ``thresholds[i]`` is in band ``i + 1``."""
    return np.searchsorted(np.asarray(thresholds, float), values, side="right")


def band_transition(
    x: np.ndarray,
    y: np.ndarray,
    thresholds: Sequence[float],
    labels: Sequence[str],
    worst: int,
    **ctx: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Cross-tabulate bands at baseline and follow-up; McNemar's test on the worst band.

    Parameters
    ----------
    worst : int
        Index of the band that describes the poorest wellbeing (0 when higher is
        better, the last band when higher is worse).

    Returns
    -------
    rows : list of dict
        Statistics rows: counts in the worst band at each time and McNemar's test
        (continuity-corrected, as R's ``mcnemar.test``).
    table : list of dict
        Counts for every (baseline band, follow-up band) pair.
    """
    bx, by = band_of(x, thresholds), band_of(y, thresholds)
    table = [
        {"baseline": labels[i], "follow_up": labels[j], "n": int(((bx == i) & (by == j)).sum())}
        for i in range(len(labels))
        for j in range(len(labels))
    ]
    in_x, in_y = bx == worst, by == worst
    b, c = int((in_x & ~in_y).sum()), int((~in_x & in_y).sum())
    n = len(x)
    rows = [
        row(
            "band_transition",
            "in_worst_band_baseline",
            n=n,
            estimate=in_x.mean() if n else None,
            statistic=int(in_x.sum()),
            note=f"band '{labels[worst]}'; statistic holds the count",
            **ctx,
        ),
        row(
            "band_transition",
            "in_worst_band_follow_up",
            n=n,
            estimate=in_y.mean() if n else None,
            statistic=int(in_y.sum()),
            note=f"band '{labels[worst]}'; statistic holds the count",
            **ctx,
        ),
    ]
    if b + c > 0:
        chi2 = (abs(b - c) - 1) ** 2 / (b + c)
        rows.append(
            row(
                "band_transition",
                "mcnemar",
                n=n,
                statistic=chi2,
                df=1,
                p_value=stats.chi2.sf(chi2, 1),
                estimate=(c - b) / n,
                method="McNemar's test with continuity correction",
                note=f"left the band: {b}; entered it: {c}; estimate = net change in share",
                **ctx,
            )
        )
    return rows, table


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values (as R's ``p.adjust(method = "holm")``); NaN stays NaN."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q)
    adjusted = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * q[order]))
    result = np.empty(m)
    result[order] = adjusted
    out[ok] = result
    return out
