"""The tidy statistics table: one row per estimate, a fixed vocabulary of analyses.

Every analysis function returns rows built with :func:`row`, so that
``statistics.csv`` always has the same columns in the same order:

``instrument, score, analysis, population, group, wave, term, n, estimate, se,
ci_low, ci_high, statistic, df, p_value, p_holm, method, note``

``analysis`` takes one of the values in :data:`ANALYSES`; ``population`` one
of :data:`POPULATIONS`. ``wave`` is the wave described (descriptives) or the
follow-up wave compared with baseline (change analyses); empty when an
estimate uses every wave (the mixed model).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

COLUMNS = [
    "instrument",
    "score",
    "analysis",
    "population",
    "group",
    "wave",
    "term",
    "n",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_value",
    "p_holm",
    "method",
    "note",
]

ANALYSES = {
    "descriptives": "mean (with t-based CI), SD, median and quartiles per wave and group",
    "paired_change": "mean change from baseline among completers, paired t-test",
    "wilcoxon": "Wilcoxon signed-rank test of change among completers",
    "effect_size": "standardised change: Cohen's d_z, d_av and Hedges' g_av, labelled by term",
    "reliable_change": "Jacobson-Truax reliable change index and the share improved, "
    "unchanged and deteriorated",
    "clinical_change": "Jacobson-Truax criterion c and the share recovered",
    "band_transition": "movement between indicative bands, McNemar's test",
    "ancova": "follow-up on baseline plus group (plus covariates), adjusted group difference",
    "difference_in_differences": "difference in mean change between groups, Welch's t-test",
    "mixed_model": "linear mixed model over all waves, random intercept per respondent (REML)",
    "norm_comparison": "wave means against population norms (weaker evidence: not a "
    "comparison group)",
    "regression_to_mean": "expected change from regression to the mean (Barnett et al. 2005)",
    "multiple_imputation": "missing follow-up imputed (Bayesian linear regression), pooled "
    "with Rubin's rules",
    "delta_adjusted": "imputed follow-ups shifted k points worse; tipping point",
    "reliability": "Cronbach's alpha with Feldt CI, beside the published value",
    "precision": "minimum detectable effect at the configured power (default 80%) and power "
    "for meaningful change",
    "subgroup": "change or group effect within subgroups, interaction test",
    "dose_response": "change by sessions attended",
    "follow_up_time": "time between baseline and follow-up",
}

POPULATIONS = {
    "returned": "everyone who returned that wave (used returns)",
    "completers": "people with the score at baseline and at the follow-up wave",
    "all_enrolled": "everyone with a baseline score, missing follow-ups imputed or modelled",
    "enrolled": "everyone with a baseline score",
}


def _clean(value: Any) -> Any:
    if value is None:
        return math.nan
    if isinstance(value, float) and not math.isfinite(value):
        return math.nan
    return value


def row(
    analysis: str,
    term: str,
    *,
    instrument: str = "",
    score: str = "",
    population: str = "completers",
    group: str = "all",
    wave: str = "",
    n: float | None = None,
    estimate: float | None = None,
    se: float | None = None,
    ci_low: float | None = None,
    ci_high: float | None = None,
    statistic: float | None = None,
    df: float | None = None,
    p_value: float | None = None,
    method: str = "",
    note: str = "",
) -> dict[str, Any]:
    """Return one statistics row; ``analysis`` and ``population`` must be in the vocabulary.

    Raises
    ------
    ValueError
        For an analysis or population name outside the vocabulary (a programming error).
    """
    if analysis not in ANALYSES:
        raise ValueError(f"analysis {analysis!r} is not in the vocabulary")
    if population not in POPULATIONS:
        raise ValueError(f"population {population!r} is not in the vocabulary")
    values = dict(
        instrument=instrument,
        score=score,
        analysis=analysis,
        population=population,
        group=group,
        wave=wave,
        term=term,
        n=n,
        estimate=estimate,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        statistic=statistic,
        df=df,
        p_value=p_value,
        p_holm=None,
        method=method,
        note=note,
    )
    return {k: _clean(v) for k, v in values.items()}


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Return rows as a DataFrame with the standard columns."""
    return pd.DataFrame(rows, columns=COLUMNS)
