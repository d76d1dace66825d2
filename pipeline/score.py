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


def item_array(items: pd.DataFrame, inst: Instrument) -> np.ndarray:
    """Return the item values as an (n x k) float array in questionnaire order.

    An alias column fills the cells its own column leaves empty. Column-major, so
    each item is one contiguous run.

    Parameters
    ----------
    items : pandas.DataFrame
        Items table (numeric codes, NaN for missing).
    inst : Instrument
        The definition.

    Returns
    -------
    numpy.ndarray
    """
    out = np.empty((len(items), len(inst.items)), order="F")
    for j, item in enumerate(inst.items):
        out[:, j] = np.nan
        for col in (item.id, item.alias):
            if col and col in items:
                values = pd.to_numeric(items[col], errors="coerce")
                values = values.to_numpy(dtype="float64", na_value=np.nan)
                np.copyto(out[:, j], values, where=np.isnan(out[:, j]))
    return out


def item_matrix(items: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Return :func:`item_array` as a frame: one column per item id, same index as ``items``."""
    return pd.DataFrame(
        item_array(items, inst), index=items.index, columns=[i.id for i in inst.items]
    )


def _invalid(values: np.ndarray, inst: Instrument) -> np.ndarray:
    """Return a boolean (n x k) array: True where an answered item holds a code off its scale."""
    bad = np.zeros(values.shape, dtype=bool, order="F")
    for j, item in enumerate(inst.items):
        x = values[:, j]
        ok = (x >= item.scale.min) & (x <= item.scale.max)
        if item.scale.integer:
            ok &= x == np.round(x)
        bad[:, j] = ~np.isnan(x) & ~ok
    return bad


def _points(x: np.ndarray, scale, reverse: bool, recode: Mapping[int, float] | None) -> np.ndarray:
    """Return one item's points after reverse-scoring and recoding; NaN stays NaN."""
    if reverse:
        x = scale.min + scale.max - x
    if recode is not None:
        lo = int(scale.min)
        lut = np.array([recode[c] for c in range(lo, int(scale.max) + 1)], dtype="float64")
        answered = ~np.isnan(x)
        x = np.where(answered, lut[np.where(answered, x - lo, 0).astype(int)], np.nan)
    return x


def item_points(matrix: pd.DataFrame, score: Score, inst: Instrument) -> np.ndarray:
    """Return item points (n x k) after reverse-scoring and recoding; NaN stays NaN."""
    scales = {item.id: item.scale for item in inst.items}
    cols = [
        _points(
            matrix[i].to_numpy(dtype="float64"),
            scales[i],
            i in score.reverse,
            score.recode.get(i),
        )
        for i in score.items
    ]
    return np.column_stack(cols)


BLOCK_ROWS = 200_000  # rows of item points held at once while summing scores


def _sums(values: np.ndarray, scores: list[Score], inst: Instrument):
    """Return (n x S) item-point totals and answered counts for scores built from items.

    Every distinct way an item is scored (its own code, reversed, or recoded by a
    table) becomes one column of points, computed once, beside one answered (1/0)
    column per item; each score's total and count are then weighted sums of those
    columns, done as one matrix product per block of rows. Sums of the small numbers
    questionnaires use are exact in float64, so the order of addition does not
    change a result.
    """
    position = {item.id: j for j, item in enumerate(inst.items)}
    scale = {item.id: item.scale for item in inst.items}
    k, n_scores = len(inst.items), len(scores)

    def way(score: Score, item_id: str) -> tuple:
        recode = score.recode.get(item_id)
        return item_id, item_id in score.reverse, tuple(sorted(recode.items())) if recode else ()

    ways: dict[tuple, int] = {}
    for score in scores:
        for item_id in score.items:
            ways.setdefault(way(score, item_id), len(ways))
    # columns: points per way, then answered per item; results: totals, then counts
    weight = np.zeros((len(ways) + k, 2 * n_scores))
    for s, score in enumerate(scores):
        for item_id in score.items:
            weight[ways[way(score, item_id)], s] += 1.0
            weight[len(ways) + position[item_id], n_scores + s] = 1.0
    out = np.empty((len(values), 2 * n_scores))
    for start in range(0, len(values), BLOCK_ROWS):
        block = values[start : start + BLOCK_ROWS]
        columns = np.empty((len(block), len(ways) + k), order="F")
        for (item_id, reverse, recode), way in ways.items():
            recoded = dict(recode) if recode else None
            x = _points(block[:, position[item_id]], scale[item_id], reverse, recoded)
            columns[:, way] = np.where(np.isnan(x), 0.0, x)
        columns[:, len(ways) :] = ~np.isnan(block)
        out[start : start + len(block)] = columns @ weight
    return out[:, :n_scores], out[:, n_scores:]


def _aggregate(total: np.ndarray, answered: np.ndarray, score: Score, inst: Instrument):
    """Combine one score's item-point total under the missing rule; return values and prorated."""
    k = len(score.items)
    missing = k - answered
    allowed = inst.missing.max_missing if inst.missing.rule == "prorate" else 0
    ok = (missing <= allowed) & (answered > 0)
    mean = np.divide(total, answered, out=np.full(len(total), np.nan), where=answered > 0)
    value = mean if score.aggregate == "mean" else np.where(missing == 0, total, mean * k)
    return np.where(ok, value, np.nan), ok & (missing > 0)


def _text(codes: np.ndarray, labels) -> pd.api.extensions.ExtensionArray:
    """Return ``labels[code]`` as a text column; code -1 is missing."""
    return pd.array(list(labels), dtype="str").take(codes, allow_fill=True)


def _band_labels(values: np.ndarray, thresholds, labels):
    codes = np.searchsorted(np.asarray(thresholds, dtype="float64"), values, "right")
    return _text(np.where(np.isnan(values), -1, np.minimum(codes, len(labels) - 1)), labels)


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
    values = item_array(items, inst)
    bad = _invalid(values, inst)
    invalid = bad.any(axis=1)
    values[bad] = np.nan  # the valid answers
    n_answered = (~np.isnan(values)).sum(axis=1)
    summed = [score for score in inst.scores if not score.lookup]
    totals, counts = _sums(values, summed, inst)
    column = {score.id: s for s, score in enumerate(summed)}
    out: dict[str, np.ndarray] = {}
    prorated = np.zeros(len(items), dtype=bool)
    for score in inst.scores:
        if score.lookup:
            source = out[score.source_score]
            keys = np.array(sorted(score.lookup), dtype="float64")
            vals = np.array([score.lookup[int(k)] for k in keys])
            pos = np.searchsorted(keys, np.nan_to_num(source, nan=keys[0]))
            value = np.where(np.isnan(source), np.nan, vals[np.clip(pos, 0, len(keys) - 1)])
        else:
            s = column[score.id]
            value, was_prorated = _aggregate(totals[:, s], counts[:, s], score, inst)
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
    n_scored = np.zeros(len(items), dtype="int64")
    for score in inst.scores:
        n_scored += ~np.isnan(out[score.id])
    for band in inst.bands:
        out[f"{band.score}_band_{band.id}"] = _band_labels(
            out[band.score], band.thresholds, band.labels
        )
    status = np.select(
        [invalid, n_answered == 0, n_scored == len(inst.scores), n_scored > 0],
        [STATUSES.index(s) for s in ("out_of_range", "not_administered", "scored", "partial")],
        default=STATUSES.index("too_many_missing"),
    )
    out[f"{inst.id}_n_answered"] = n_answered
    out[f"{inst.id}_prorated"] = prorated
    out[f"{inst.id}_status"] = _text(status, STATUSES)
    frame = pd.DataFrame(out, index=items.index)
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
