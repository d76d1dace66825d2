"""Participant flow, response and completeness: where every return and person went.

These answer the York review's complaint of "low/diminishing pre/post response
rates and incomplete or unusable returns" with counts that add up:

* :func:`participant_flow` follows people from returns received, through a
  valid baseline (enrolled), follow-up returned and valid, to paired and
  analysable per instrument, with the exclusions and reasons at each step, for
  everyone and per group (``flow.json``, the CONSORT-style diagram's data);
* :func:`response_rates` gives the follow-up response rate by group, site and
  baseline cohort (month);
* :func:`item_missingness` gives each item's missing share per wave;
* :func:`quality_summary` adds the unusable share by reason and the low-response
  flags.

Definitions used throughout: a *return* is one record (a respondent at a wave);
a person is *enrolled* when they have a used baseline return; a follow-up is
*valid* when the return was used; a person is *paired* on an instrument when
its primary score exists at baseline and at that follow-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Study, ValidateOptions
from pipeline.instruments import Instrument
from pipeline.keys import member, positions
from pipeline.reasons import PRIORITY
from pipeline.score import instruments_present, scored_instruments

NOT_RECORDED = "not recorded"
PAIRED_CASES_SOURCE = (
    "rule of thumb of at least 30 people with two measurements (Warwick WEMWBS guidance)"
)


def primary_score(inst: Instrument) -> str:
    """Return the score marked ``primary`` in the definition, else the first score."""
    return next((s.id for s in inst.scores if s.primary), inst.scores[0].id)


def _label(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna(NOT_RECORDED)


def _is(series: pd.Series, value: str) -> np.ndarray:
    """Boolean array: True where the series equals ``value`` (missing is False)."""
    return series.eq(value).to_numpy(dtype=bool, na_value=False)


def _counts(series: pd.Series) -> dict[str, int]:
    rank = {code: i for i, code in enumerate(PRIORITY)}
    counts = series.value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: rank.get(kv[0], 99))}


def enrolled(records: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Return one row per enrolled person: id, group, site and baseline cohort (month)."""
    base = records[(records["status"] == "used") & (records["wave"] == study.waves[0])]
    base = base.drop_duplicates("respondent_id")
    out = pd.DataFrame({"respondent_id": base["respondent_id"].to_numpy()})
    for col in ("group", "site"):
        out[col] = _label(base[col]).to_numpy() if col in base else NOT_RECORDED
    if "date" in base:
        month = base["date"].dt.to_period("M")
        codes, months = pd.factorize(month)  # format each distinct month once
        labels = np.append(months.strftime("%Y-%m").to_numpy(dtype=object), NOT_RECORDED)
        out["cohort"] = labels[codes]
    else:
        out["cohort"] = NOT_RECORDED
    return out


def _returns(records: pd.DataFrame, study: Study) -> dict[str, Any]:
    is_quarantined = (records["status"] == "quarantined").to_numpy(dtype=bool)
    quarantined = records[is_quarantined]
    wave = _label(records["wave"])
    received = wave.value_counts()
    q_wave = wave[is_quarantined]
    by_wave = {}
    order = list(study.waves) + sorted(set(received.index) - set(study.waves))
    for w in order:
        if w not in received.index:
            continue
        q = quarantined[(q_wave == w).to_numpy()]
        by_wave[w] = {
            "received": int(received[w]),
            "used": int(received[w]) - len(q),
            "quarantined": len(q),
            "quarantined_by_reason": _counts(q["quarantine_reason"]),
        }
    return {
        "received": len(records),
        "used": int((records["status"] == "used").sum()),
        "quarantined": len(quarantined),
        "quarantined_by_reason": _counts(quarantined["quarantine_reason"]),
        "by_wave": by_wave,
    }


class _People:
    """Enrolled people as positions 0..P-1; each record and score row knows its person.

    Ids are looked up once; every later count is a boolean array over people.
    """

    def __init__(self, people: pd.DataFrame, records: pd.DataFrame, scores: pd.DataFrame):
        self.size = len(people)
        self.of_record = positions(records["respondent_id"], people["respondent_id"])
        self.of_score = positions(scores["respondent_id"], people["respondent_id"])

    def flag(self, positions: np.ndarray) -> np.ndarray:
        """Return a boolean array over people: True for the positions given (-1 ignored)."""
        out = np.zeros(self.size, dtype=bool)
        out[positions[positions >= 0]] = True
        return out


def _group_flow(mask, people: _People, records, scores, study, present) -> dict[str, Any]:
    """Flow counts for the enrolled people selected by ``mask``."""
    node: dict[str, Any] = {"enrolled": int(mask.sum()), "follow_up": {}, "analysable": {}}
    person = people.of_record
    used = _is(records["status"], "used")
    valid_at = {}
    for w in study.waves[1:]:
        at_w = _is(records["wave"], w) & (person >= 0)
        returned = people.flag(person[at_w]) & mask
        valid = people.flag(person[at_w & used]) & mask
        valid_at[w] = valid
        out_rows = at_w & ~used
        out_rows[out_rows] = mask[person[out_rows]] & ~valid[person[out_rows]]
        excluded = records.loc[out_rows].drop_duplicates("respondent_id")
        node["follow_up"][w] = {
            "returned": int(returned.sum()),
            "not_returned": int((mask & ~returned).sum()),
            "valid": int(valid.sum()),
            "excluded": int((returned & ~valid).sum()),
            "excluded_by_reason": _counts(excluded["quarantine_reason"]),
        }
    score_wave = {w: _is(scores["wave"], w) for w in study.waves}
    for inst in present:
        score_id = primary_score(inst)
        present_score = scores[score_id].notna().to_numpy()
        has = {w: people.flag(people.of_score[score_wave[w] & present_score]) for w in study.waves}
        base = has[study.waves[0]] & mask
        not_scored = mask & ~base
        at_base = score_wave[study.waves[0]] & (people.of_score >= 0)
        at_base[at_base] = not_scored[people.of_score[at_base]]
        status = scores.loc[at_base, f"{inst.id}_status"]
        entry = {
            "score": score_id,
            "baseline_scored": int(base.sum()),
            "baseline_not_scored": int(not_scored.sum()),
            "baseline_not_scored_by_status": _counts(status),
            "follow_up": {},
        }
        for w in study.waves[1:]:
            entry["follow_up"][w] = {
                "paired": int((base & has[w]).sum()),
                "no_valid_follow_up": int((base & ~valid_at[w]).sum()),
                "follow_up_not_scored": int((base & valid_at[w] & ~has[w]).sum()),
            }
        node["analysable"][inst.id] = entry
    return node


def participant_flow(
    records: pd.DataFrame,
    scores: pd.DataFrame,
    study: Study,
    instruments: Mapping[str, Instrument],
) -> dict[str, Any]:
    """Count returns and people at each step, for everyone and per group.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per return with ``status`` (used/quarantined) and
        ``quarantine_reason`` (from the validate stage).
    scores : pandas.DataFrame
        Scores of the used returns.
    study : Study
        Waves (the first is the baseline) and groups.
    instruments : mapping of str to Instrument
        Definitions; each instrument present is followed on its primary score.

    Returns
    -------
    dict
        ``returns`` (received, used, quarantined by reason, by wave) and
        ``groups`` (``all`` and each group: enrolled, follow-up returned / not
        returned / valid / excluded by reason, and per instrument baseline
        scored and paired per follow-up wave with the reasons people are not).
    """
    people = enrolled(records, study)
    present = scored_instruments(scores, instruments)
    index = _People(people, records, scores)
    group = people["group"].to_numpy()
    masks = {"all": np.ones(index.size, dtype=bool)}
    for g in list(study.groups) + sorted(set(people["group"].unique()) - set(study.groups)):
        if (group == g).any():
            masks[g] = group == g
    return {
        "waves": list(study.waves),
        "returns": _returns(records, study),
        "groups": {
            g: _group_flow(m, index, records, scores, study, present) for g, m in masks.items()
        },
    }


def response_rates(records: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Follow-up response among enrolled people, overall and by group, site and cohort.

    Returns
    -------
    pandas.DataFrame
        Columns ``wave, dimension, level, enrolled, returned, valid, response_rate``
        where ``response_rate`` is valid follow-ups over enrolled people.
    """
    people = enrolled(records, study)
    rows = []
    for w in study.waves[1:]:
        at_w = records[records["wave"] == w]
        valid = at_w.loc[at_w["status"] == "used", "respondent_id"]
        frame = people.assign(
            returned=member(people["respondent_id"], at_w["respondent_id"]),
            valid=member(people["respondent_id"], valid),
            overall="all",
        )
        for dim in ("overall", "group", "site", "cohort"):
            agg = frame.groupby(dim, sort=True).agg(
                enrolled=("respondent_id", "size"),
                returned=("returned", "sum"),
                valid=("valid", "sum"),
            )
            agg = agg.reset_index().rename(columns={dim: "level"})
            rows.append(agg.assign(wave=w, dimension=dim))
    if not rows:
        return pd.DataFrame(
            columns=["wave", "dimension", "level", "enrolled", "returned", "valid", "response_rate"]
        )
    out = pd.concat(rows, ignore_index=True)
    out["response_rate"] = out["valid"] / out["enrolled"]
    return out[["wave", "dimension", "level", "enrolled", "returned", "valid", "response_rate"]]


def item_missingness(items: pd.DataFrame, instruments: Mapping[str, Instrument]) -> pd.DataFrame:
    """Share of each item left unanswered, per wave, among returns where the instrument was used.

    Returns
    -------
    pandas.DataFrame
        Columns ``instrument, item, wave, administered, missing, missing_share``;
        ``administered`` counts used returns with at least one of the instrument's
        own items answered.
    """
    parts = []
    for inst in instruments_present(items, instruments):
        own = [i.id for i in inst.items if i.id in items]
        if not own or items.empty:
            continue  # read through aliases: reported under the instrument that owns them
        answered = items[own].notna()
        administered = answered.any(axis=1)
        missing = (~answered[administered]).groupby(items.loc[administered, "wave"]).sum()
        n = administered.groupby(items["wave"]).sum()
        long = missing.reset_index().melt(id_vars="wave", var_name="item", value_name="missing")
        long["administered"] = long["wave"].map(n)
        long["instrument"] = inst.id
        parts.append(long)
    if not parts:
        return pd.DataFrame(
            columns=["instrument", "item", "wave", "administered", "missing", "missing_share"]
        )
    out = pd.concat(parts, ignore_index=True)
    out["missing_share"] = out["missing"] / out["administered"]
    return out[["instrument", "item", "wave", "administered", "missing", "missing_share"]]


def quality_summary(
    flow: Mapping[str, Any], response: pd.DataFrame, options: ValidateOptions
) -> dict[str, Any]:
    """Unusable returns by reason, follow-up response, and low-response flags.

    A low-response flag is raised when the overall follow-up response for a wave
    falls below ``options.min_follow_up_response`` or the number of people paired
    on an instrument's primary score falls below ``options.min_paired_cases``.
    """
    returns = flow["returns"]
    received = max(returns["received"], 1)
    overall = response[response["dimension"] == "overall"]
    rates = {r["wave"]: float(r["response_rate"]) for r in overall.to_dict("records")}
    flags = []
    for wave, rate in rates.items():
        if rate < options.min_follow_up_response:
            flags.append(
                {
                    "kind": "low_follow_up_response",
                    "wave": wave,
                    "value": rate,
                    "threshold": options.min_follow_up_response,
                }
            )
    for inst, entry in flow["groups"]["all"]["analysable"].items():
        for wave, counts in entry["follow_up"].items():
            if counts["paired"] < options.min_paired_cases:
                flags.append(
                    {
                        "kind": "few_paired_cases",
                        "instrument": inst,
                        "score": entry["score"],
                        "wave": wave,
                        "value": counts["paired"],
                        "threshold": options.min_paired_cases,
                        "threshold_source": PAIRED_CASES_SOURCE,
                    }
                )
    return {
        "returns_received": returns["received"],
        "returns_used": returns["used"],
        "unusable_share": returns["quarantined"] / received,
        "unusable_share_by_reason": {
            k: v / received for k, v in returns["quarantined_by_reason"].items()
        },
        "follow_up_response": rates,
        "thresholds": {
            "follow_up_response": options.min_follow_up_response,
            "paired_cases": options.min_paired_cases,
        },
        "low_response_flags": flags,
    }
