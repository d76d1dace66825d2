"""Reliability in this sample and the precision the sample size allows.

* :func:`cronbach_alpha` with the Feldt confidence interval (as ``psych::alpha``);
* :func:`t_power` and :func:`minimum_detectable_effect`, following R's
  ``power.t.test`` (two-sided, ``strict = FALSE``).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats


def cronbach_alpha(points: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Cronbach's alpha of complete rows of an item-points matrix, with Feldt's CI.

    Parameters
    ----------
    points : numpy.ndarray
        Respondents x items (points after reverse-scoring and recoding); rows with
        any NaN are dropped.
    level : float
        Confidence level.

    Returns
    -------
    alpha, ci_low, ci_high : float
    n : int
        Complete rows used.
    """
    complete = points[~np.isnan(points).any(axis=1)]
    n, k = complete.shape
    if n < 3 or k < 2:
        return np.nan, np.nan, np.nan, n
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return np.nan, np.nan, np.nan, n
    alpha = k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total_var)
    tail = (1 - level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(alpha), float(low), float(high), n


def t_power(n: float, delta: float, paired: bool, alpha: float = 0.05) -> float:
    """Power of a two-sided t-test for a standardised effect ``delta`` (R ``power.t.test``).

    ``n`` is the number of pairs (paired) or the size of each group (two-sample).
    """
    samples = 1 if paired else 2
    df = (n - 1) * samples
    critical = stats.t.isf(alpha / 2, df)
    return float(stats.nct.sf(critical, df, np.sqrt(n / samples) * delta))


def minimum_detectable_effect(
    n: float, paired: bool, power: float = 0.8, alpha: float = 0.05
) -> float:
    """Smallest standardised effect detectable with the given power (R ``power.t.test``)."""
    if n < 2:
        return float("nan")
    return float(
        optimize.brentq(lambda d: t_power(n, d, paired, alpha) - power, 1e-6, 50, xtol=1e-12)
    )
