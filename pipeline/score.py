"""Score stage: items table to scores table, driven only by instrument definitions.

Everything is vectorised over respondents: loops run over instruments, scores
and items, never over rows.

Output columns, for each instrument found in the items table (``<id>`` is the
instrument id):

``<score id>``
    Every score the definition declares (``wemwbs_total``, ``ghq28_total_likert``...).
``<score id>_band_<band id>``
    The indicative band label of the score, for each band scheme declared.
``<id>_n_answered``
    Number of the instrument's items answered with a valid code.
``<id>_prorated``
    True when any score of the row was prorated from incomplete items.
``<id>_status``
    ``scored`` (every score computed), ``partial`` (some subscales computed),
    ``too_many_missing``, ``out_of_range`` (an item held a code outside the
    response scale; no score is computed) or ``not_administered`` (no item answered).
``<id>_missing_rule``
    The missing-item rule in force, e.g. ``complete_case`` or ``prorate(max_missing=2)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipeline.errors import ScoringError
from pipeline.instruments import Instrument, Score

STATUSES = ("scored", "partial", "too_many_missing", "out_of_range", "not_administered")


def instruments_present(
    items: pd.DataFrame, instruments: Mapping[str, Instrument]
) -> list[Instrument]:
    """Return the instruments with an item column (own or alias) in ``items``.

    They are ordered by where their first item column stands in ``items``, so the
    output follows the questionnaire's order.
    """
    position = {col: i for i, col in enumerate(items.columns)}
    found = []
    for inst in instruments.values():
        own = [position[i.id] for i in inst.items if i.id in position]
        alias = [position[i.alias] for i in inst.items if i.alias in position]
        if own or alias:
            first = min(own + alias)
            found.append((first, first not in own, inst.id, inst))  # own columns first on ties
    return [entry[-1] for entry in sorted(found, key=lambda t: t[:3])]


def scored_instruments(
    scores: pd.DataFrame, instruments: Mapping[str, Instrument]
) -> list[Instrument]:
    """Return the instruments scored in a scores table, in column order."""
    return [
        instruments[c[: -len("_status")]]
        for c in scores.columns
        if c.endswith("_status") and c[: -len("_status")] in instruments
    ]


def item_matrix(items: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Return the instrument's item values, reading an alias column where the own one is empty.

    Parameters
    ----------
    items : pandas.DataFrame
        Items table (numeric codes, NaN for missing).
    inst : Instrument
        The definition.

    Returns
    -------
    pandas.DataFrame
        One float column per item, in questionnaire order, same index as ``items``.
    """
    out = {}
    empty = pd.Series(np.nan, index=items.index, dtype="float64")
    for item in inst.items:
        own = pd.to_numeric(items[item.id], errors="coerce") if item.id in items else empty
        if item.alias and item.alias in items:
            own = own.fillna(pd.to_numeric(items[item.alias], errors="coerce"))
        out[item.id] = own.astype("float64")
    return pd.DataFrame(out, index=items.index)


def invalid_codes(matrix: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Return a boolean frame: True where an answered item holds a code outside its scale."""
    bad = {}
    for item in inst.items:
        x = matrix[item.id].to_numpy()
        ok = (x >= item.scale.min) & (x <= item.scale.max)
        if item.scale.integer:
            ok &= x == np.round(x)
        bad[item.id] = ~np.isnan(x) & ~ok
    return pd.DataFrame(bad, index=matrix.index)


def item_points(matrix: pd.DataFrame, score: Score, inst: Instrument) -> np.ndarray:
    """Return item points (n x k) after reverse-scoring and recoding; NaN stays NaN."""
    scales = {item.id: item.scale for item in inst.items}
    cols = []
    for item_id in score.items:
        x = matrix[item_id].to_numpy(dtype="float64", copy=True)
        scale = scales[item_id]
        if item_id in score.reverse:
            x = scale.min + scale.max - x
        table = score.recode.get(item_id)
        if table is not None:
            lo = int(scale.min)
            lut = np.array([table[c] for c in range(lo, int(scale.max) + 1)], dtype="float64")
            answered = ~np.isnan(x)
            idx = np.where(answered, x - lo, 0).astype(int)
            x = np.where(answered, lut[idx], np.nan)
        cols.append(x)
    return np.column_stack(cols)


def _aggregate(points: np.ndarray, score: Score, inst: Instrument) -> tuple[np.ndarray, np.ndarray]:
    """Combine item points under the missing rule; return values and a prorated mask."""
    k = points.shape[1]
    answered = (~np.isnan(points)).sum(axis=1)
    missing = k - answered
    allowed = inst.missing.max_missing if inst.missing.rule == "prorate" else 0
    ok = (missing <= allowed) & (answered > 0)
    with np.errstate(invalid="ignore"):
        total = np.nansum(points, axis=1)
        mean = np.divide(total, answered, out=np.full(len(total), np.nan), where=answered > 0)
    value = mean if score.aggregate == "mean" else np.where(missing == 0, total, mean * k)
    return np.where(ok, value, np.nan), ok & (missing > 0)


def _band_labels(values: pd.Series, thresholds, labels) -> pd.Series:
    codes = np.searchsorted(np.asarray(thresholds, dtype="float64"), values.to_numpy(), "right")
    out = pd.Series(np.asarray(labels, dtype=object)[np.minimum(codes, len(labels) - 1)])
    out.index = values.index
    return out.where(values.notna())


def score_instrument(items: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Compute every score of one instrument for every row.

    Parameters
    ----------
    items : pandas.DataFrame
        Items table (numeric codes, NaN for missing).
    inst : Instrument
        The definition, with the missing-item rule in force.

    Returns
    -------
    pandas.DataFrame
        Score, band and bookkeeping columns (see the module docstring), same index.

    Raises
    ------
    ScoringError
        If a computed score falls outside its declared range (a definition bug).
    """
    matrix = item_matrix(items, inst)
    invalid = invalid_codes(matrix, inst).any(axis=1).to_numpy()
    valid = matrix.mask(invalid_codes(matrix, inst))
    n_answered = valid.notna().sum(axis=1).to_numpy()
    out: dict[str, object] = {}
    prorated = np.zeros(len(items), dtype=bool)
    for score in inst.scores:
        if score.lookup:
            source = out[score.source_score]
            keys = np.array(sorted(score.lookup), dtype="float64")
            vals = np.array([score.lookup[int(k)] for k in keys])
            pos = np.searchsorted(keys, np.nan_to_num(source, nan=keys[0]))
            value = np.where(np.isnan(source), np.nan, vals[np.clip(pos, 0, len(keys) - 1)])
        else:
            value, was_prorated = _aggregate(item_points(valid, score, inst), score, inst)
            prorated |= was_prorated & ~invalid
        value = np.where(invalid, np.nan, value)
        lo, hi = score.range
        outside = ~np.isnan(value) & ((value < lo - 1e-9) | (value > hi + 1e-9))
        if outside.any():
            raise ScoringError(
                f"{score.id} produced {value[outside][0]:g}, outside its declared range "
                f"{lo:g}-{hi:g}; check {inst.path}"
            )
        out[score.id] = value
    frame = pd.DataFrame(out, index=items.index)
    for band in inst.bands:
        frame[f"{band.score}_band_{band.id}"] = _band_labels(
            frame[band.score], band.thresholds, band.labels
        )
    n_scored = frame[inst.score_ids].notna().sum(axis=1).to_numpy()
    status = np.select(
        [invalid, n_answered == 0, n_scored == len(inst.scores), n_scored > 0],
        ["out_of_range", "not_administered", "scored", "partial"],
        default="too_many_missing",
    )
    frame[f"{inst.id}_n_answered"] = n_answered
    frame[f"{inst.id}_prorated"] = prorated
    frame[f"{inst.id}_status"] = status
    frame[f"{inst.id}_missing_rule"] = inst.missing.describe()
    return frame


def score_items(
    items: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    item_columns: set[str] | None = None,
) -> pd.DataFrame:
    """Score every instrument present in an items table.

    Parameters
    ----------
    items : pandas.DataFrame
        One row per respondent per wave: key and context columns plus item
        columns named by the instrument definitions (numeric codes, NaN missing).
    instruments : mapping of str to Instrument
        Loaded definitions, with missing-item rules from config applied.
    item_columns : set of str, optional
        Columns to drop from the output because they are item values; by
        default every item id of every instrument.

    Returns
    -------
    pandas.DataFrame
        The non-item columns of ``items`` followed by each present instrument's
        score columns, in a stable order.
    """
    present = instruments_present(items, instruments)
    if item_columns is None:
        item_columns = {i.id for inst in instruments.values() for i in inst.items}
    context = items[[c for c in items.columns if c not in item_columns]]
    parts = [context] + [score_instrument(items, inst) for inst in present]
    return pd.concat(parts, axis=1)
