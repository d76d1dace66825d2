"""Analyse stage: statistics from the scores table.

This first version computes descriptive statistics of every score by wave and
group (and for all groups together). Paired, comparative, individual-change,
missing-data, reliability and power analyses follow (see the changelog).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pipeline.instruments import Instrument

DESCRIPTIVE_COLUMNS = [
    "instrument",
    "score",
    "wave",
    "group",
    "n",
    "mean",
    "sd",
    "median",
    "q1",
    "q3",
    "min",
    "max",
]


def score_columns(scores: pd.DataFrame, instruments: Mapping[str, Instrument]) -> dict[str, str]:
    """Return ``{score column: instrument id}`` for every score present in ``scores``."""
    return {
        sid: inst.id for inst in instruments.values() for sid in inst.score_ids if sid in scores
    }


def descriptives(
    scores: pd.DataFrame, instruments: Mapping[str, Instrument], waves: list[str]
) -> pd.DataFrame:
    """Describe every score by wave and group.

    Parameters
    ----------
    scores : pandas.DataFrame
        The score stage's output.
    instruments : mapping of str to Instrument
        Definitions, to know which columns are scores.
    waves : list of str
        Study waves in time order (sets the row order).

    Returns
    -------
    pandas.DataFrame
        Columns ``instrument, score, wave, group, n, mean, sd, median, q1, q3,
        min, max``; ``group`` is ``all`` for everyone together. ``n`` counts
        non-missing scores; the statistics of a cell with no score are NaN.
    """
    owners = score_columns(scores, instruments)
    has_group = "group" in scores and scores["group"].notna().any()
    frame = scores[["wave"] + (["group"] if has_group else []) + list(owners)]
    long = frame.melt(id_vars=[c for c in ("wave", "group") if c in frame], var_name="score")
    groupings = [long.assign(group="all")]
    if has_group:
        groupings.append(long.dropna(subset=["group"]))
    stacked = pd.concat(groupings, ignore_index=True)
    grouped = stacked.groupby(["score", "wave", "group"], sort=False, dropna=False)["value"]
    out = grouped.agg(n="count", mean="mean", sd="std", median="median", min="min", max="max")
    out["q1"] = grouped.quantile(0.25)
    out["q3"] = grouped.quantile(0.75)
    out = out.reset_index()
    out["instrument"] = out["score"].map(owners)
    wave_rank = {w: i for i, w in enumerate(waves)}
    score_rank = {s: i for i, s in enumerate(owners)}
    out = out.assign(
        _s=out["score"].map(score_rank),
        _w=out["wave"].map(wave_rank).fillna(len(waves)),
        _g=out["group"] != "all",
    ).sort_values(["_s", "_w", "_g", "group"])
    return out[DESCRIPTIVE_COLUMNS].reset_index(drop=True)
