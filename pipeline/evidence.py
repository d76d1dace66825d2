"""Strength of evidence: Maryland level, ROBINS-I pre-fill, the York review table, wording.

Every judgement here is a rule applied to results the earlier stages wrote; no
statistic is computed. The rules are written out in each function so that a
reviewer can check them, and the report prints the reason for every status.

Maryland Scientific Methods Scale (What Works Centre for Local Economic Growth):
level 1 is a before-and-after comparison without an untreated comparison group;
level 3 adds a comparison group as counterfactual (difference-in-differences,
ANCOVA on baseline); level 5 is explicit randomisation. Causal wording is
allowed only at level 3 and above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

NEEDS_JUDGEMENT = "needs a human judgement"


@dataclass(frozen=True)
class Status:
    """A computed status with the reason for it."""

    status: str
    reason: str


def maryland_level(design: Mapping[str, Any], randomised: bool) -> tuple[int, str]:
    """Return the Maryland SMS level and its plain-English meaning.

    Parameters
    ----------
    design : mapping
        ``results.json``'s ``design`` (``comparison_group``, ``ancova_covariates``).
    randomised : bool
        Declared in the configuration (``study.randomised``).
    """
    if not design.get("comparison_group"):
        return 1, (
            "Level 1 of 5: a before-and-after comparison without a comparison group. Changes "
            "cannot be attributed to the scheme: they may reflect time, regression to the mean "
            "or other support people received."
        )
    if randomised:
        return 5, (
            "Level 5 of 5: people were randomly allocated to the scheme or the comparison group, "
            "with baseline balance and drop-out checked."
        )
    return 3, (
        "Level 3 of 5: before-and-after measures in the scheme and in a comparison group, "
        "adjusted for baseline. The comparison group was not randomised, so differences "
        "between the groups that were not measured may remain."
    )


def causal_wording_allowed(level: int) -> bool:
    """Causal language ("improved", "led to") only with a comparison group (level 3+)."""
    return level >= 3


def _stat(stats: pd.DataFrame, **where: Any) -> pd.Series | None:
    mask = pd.Series(True, index=stats.index)
    for key, value in where.items():
        mask &= stats[key] == value
    hit = stats[mask]
    return hit.iloc[0] if len(hit) else None


def robins_i(
    level: int,
    flow: Mapping[str, Any],
    attrition: pd.DataFrame,
    stats: pd.DataFrame,
    primary: str | None,
    declared: bool,
) -> list[dict[str, str]]:
    """Pre-fill ROBINS-I domains where the data decide them; mark the rest for a person.

    Rules: D1 is "Critical" without a comparison group (nothing controls confounding);
    D5 is "Low" when at least 80% of those enrolled are analysed at follow-up, no
    baseline variable shows differential attrition and the delta-adjusted conclusion
    holds across the grid; "Serious" below 60% or when it tips within the grid;
    "Moderate" otherwise. D6 is at least "Moderate": outcomes are self-reported by
    people who know they took part. D7 notes whether a primary outcome was declared.
    """
    enrolled = flow["groups"]["all"]["enrolled"]
    follow = flow["groups"]["all"]["analysable"].get(_instrument_of(primary, flow), {})
    paired = sum(v["paired"] for v in follow.get("follow_up", {}).values()) if follow else 0
    waves = max(len(follow.get("follow_up", {})), 1) if follow else 1
    share = paired / waves / enrolled if enrolled else 0.0
    overall = attrition[(attrition["group"] == "all")] if len(attrition) else attrition
    if len(overall) and primary:  # the primary outcome and the covariates, not every subscale
        scores = set(stats["score"]) - {primary}
        overall = overall[~overall["variable"].isin(scores)]
    differential = (
        sorted(set(overall.loc[overall["differential"], "variable"])) if len(overall) else []
    )
    tip = _stat(stats, analysis="delta_adjusted", term="tipping_point", score=primary or "")
    tips = tip is not None and pd.notna(tip["estimate"])
    if share >= 0.8 and not differential and not tips:
        d5 = "Low"
    elif share < 0.6 or tips:
        d5 = "Serious"
    else:
        d5 = "Moderate"
    d5_reason = (
        f"{share:.0%} of enrolled people analysed at follow-up on the primary score; "
        + (
            f"differential attrition on {', '.join(differential[:4])}"
            if differential
            else "no differential attrition flagged"
        )
        + "; "
        + (
            f"the conclusion changes if non-returners fared {tip['estimate']:g} points worse"
            if tips
            else "the conclusion holds across the sensitivity grid"
        )
    )
    return [
        {"domain": "1. Confounding",
         "judgement": "Critical" if level < 3 else NEEDS_JUDGEMENT,
         "reason": "no comparison group, so nothing controls for confounding" if level < 3
         else "a comparison group and baseline adjustment; whether the groups differ in ways "
         "not measured needs someone who knows how people were allocated"},
        {"domain": "2. Selection of participants", "judgement": NEEDS_JUDGEMENT,
         "reason": "how people were referred and chosen is not in the data"},
        {"domain": "3. Classification of interventions", "judgement": NEEDS_JUDGEMENT,
         "reason": "whether group membership was recorded at the start is not in the data"},
        {"domain": "4. Deviations from intended interventions", "judgement": NEEDS_JUDGEMENT,
         "reason": "sessions attended are analysed under dose, but adherence to the plan "
         "needs the provider's records"},
        {"domain": "5. Missing data", "judgement": d5, "reason": d5_reason},
        {"domain": "6. Measurement of outcomes", "judgement": "Moderate",
         "reason": "validated questionnaires, but self-reported by people who know they took "
         "part (at best Moderate)"},
        {"domain": "7. Selection of the reported result",
         "judgement": NEEDS_JUDGEMENT,
         "reason": ("the primary outcome was declared in the configuration; whether it was "
                    "registered before the data were seen needs checking") if declared
         else "no primary outcome was declared before analysis; every outcome is reported"},
    ]  # fmt: skip


def _instrument_of(score: str | None, flow: Mapping[str, Any]) -> str:
    for inst, entry in flow["groups"]["all"]["analysable"].items():
        if entry["score"] == score:
            return inst
    return next(iter(flow["groups"]["all"]["analysable"]), "")


def york_table(
    level: int,
    flow: Mapping[str, Any],
    quality: Mapping[str, Any],
    stats: pd.DataFrame,
    attrition: pd.DataFrame,
    primary: str | None,
    design: Mapping[str, Any],
    unconfirmed: Mapping[str, list[str]],
    paired_threshold: int,
) -> list[dict[str, str]]:
    """One row per York criticism with what was done and a status computed from the results.

    Parameters
    ----------
    level : int
        Maryland level.
    flow, quality : mapping
        ``flow.json`` and ``quality.json``.
    stats, attrition : pandas.DataFrame
        ``statistics.csv`` and ``attrition.csv``.
    primary : str or None
        The primary outcome's score id.
    design : mapping
        ``results.json``'s design (comparison group, covariates adjusted for).
    unconfirmed : mapping of str to list of str
        Per instrument, the scoring facts marked unconfirmed in its definition.
    paired_threshold : int
        Minimum paired cases (validate thresholds).
    """
    rows = []
    # 1. no control group
    if level >= 3:
        status = Status(
            "addressed",
            "a comparison group with baseline adjustment (ANCOVA, "
            "difference-in-differences, mixed model)",
        )
    elif (stats["analysis"] == "norm_comparison").any():
        status = Status(
            "partly",
            "no comparison group; population norms and the expected "
            "regression to the mean are shown instead, which cannot show cause",
        )
    else:
        status = Status("not addressed", "no comparison group and no population norm stored")
    rows.append(("No control or comparison group", "flow", status))
    # 2. small-scale pilots
    precision = stats[(stats["analysis"] == "precision") & (stats["score"] == (primary or ""))]
    paired_n = precision.loc[precision["term"] == "mde_paired", "n"]
    n = int(paired_n.iloc[0]) if len(paired_n) else 0
    power = precision.loc[precision["term"] == "power_meaningful_change"]
    under = len(power) and str(power["note"].iloc[0]).startswith("underpowered")
    estimate = power["estimate"].iloc[0] if len(power) else np.nan
    chance = ""
    if np.isfinite(estimate):
        shown = "over 99%" if estimate > 0.99 else f"{estimate:.0%}"
        chance = f" (power {shown} to detect the smallest meaningful change)"
    if n >= paired_threshold and not under:
        status = Status("addressed", f"{n:,} people paired on the primary outcome{chance}")
    elif n >= paired_threshold:
        status = Status(
            "partly",
            f"{n:,} people paired, too few to detect the smallest meaningful change "
            f"reliably{chance}",
        )
    else:
        status = Status(
            "not addressed", f"only {n:,} people paired (fewer than {paired_threshold})"
        )
    rows.append(("Small-scale pilots", "precision", status))
    # 3. validated tools used incorrectly
    alphas = stats[(stats["analysis"] == "reliability") & stats["estimate"].notna()]
    low = sorted(set(alphas.loc[alphas["estimate"] < 0.7, "score"]))
    open_facts = sorted(f"{k}: {len(v)}" for k, v in unconfirmed.items() if v)
    if not low and not open_facts:
        status = Status(
            "addressed",
            "scored from versioned definitions; reliability in this sample at least 0.7",
        )
    else:
        status = Status(
            "partly",
            "scored from versioned definitions, but "
            + "; ".join(
                ([f"alpha below 0.7 for {', '.join(low)}"] if low else [])
                + ([f"unconfirmed scoring facts ({', '.join(open_facts)})"] if open_facts else [])
            ),
        )
    rows.append(("Validated tools not used, or used incorrectly", "tools", status))
    # 4. low/diminishing response, unusable returns
    rates = quality.get("follow_up_response", {})
    worst = min(rates.values()) if rates else 0.0
    unusable = quality.get("unusable_share", 0.0)
    threshold = quality.get("thresholds", {}).get("follow_up_response", 0.5)
    if rates and worst >= threshold and unusable < 0.1:
        status = Status(
            "addressed",
            f"follow-up response {worst:.0%}; {unusable:.0%} of returns "
            "unusable, every one accounted for",
        )
    elif rates and (worst >= threshold or unusable < 0.1):
        status = Status(
            "partly",
            f"follow-up response {worst:.0%} (threshold {threshold:.0%}); "
            f"{unusable:.0%} of returns unusable; all are measured and reported",
        )
    else:
        status = Status(
            "not addressed",
            "follow-up response below the threshold and many "
            "unusable returns; reported, but the results rest on few people",
        )
    rows.append(("Low or falling response and unusable returns", "data-quality", status))
    # 5. proxy measures such as SROI
    rows.append(
        (
            "Proxy measures such as SROI presented as impact",
            "outcomes",
            Status(
                "addressed",
                "no monetary value or SROI ratio is reported; outcomes are "
                "validated wellbeing measures",
            ),
        )
    )
    # 6. unsupported causal claims
    rows.append(
        (
            "Causal claims the design cannot carry",
            "evidence",
            Status(
                "addressed",
                "the wording of this report is set by the Maryland level: "
                + (
                    "causal language is allowed with caveats"
                    if level >= 3
                    else "no causal language is used"
                ),
            ),
        )
    )
    # 7. confounding
    if level >= 3 and design.get("ancova_covariates"):
        status = Status(
            "addressed",
            "comparison group, adjusted for baseline and declared "
            "covariates; unmeasured confounding remains possible",
        )
    elif level >= 3:
        status = Status(
            "partly",
            "comparison group adjusted for baseline only; no covariates declared for adjustment",
        )
    else:
        status = Status(
            "not addressed",
            "without a comparison group confounding cannot be "
            "addressed; regression to the mean is estimated",
        )
    rows.append(("Confounding not considered", "outcomes", status))
    # 8. missing data
    tip = _stat(stats, analysis="delta_adjusted", term="tipping_point", score=primary or "")
    mi = _stat(stats, analysis="multiple_imputation", score=primary or "")
    if mi is None:
        status = Status("not addressed", "too few people to impute missing follow-ups")
    elif tip is not None and pd.notna(tip["estimate"]):
        status = Status(
            "partly",
            "all enrolled analysed with multiple imputation and a mixed "
            f"model; the conclusion changes if non-returners fared {tip['estimate']:g} "
            "points worse",
        )
    else:
        status = Status(
            "addressed",
            "all enrolled analysed with multiple imputation and a mixed "
            "model; the conclusion holds across the sensitivity grid",
        )
    rows.append(("Missing data", "dropout", status))
    return [
        {"criticism": c, "section": s, "status": st.status, "reason": st.reason}
        for c, s, st in rows
    ]
