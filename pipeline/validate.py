"""Validate stage: the data-quality gate between ingest and scoring.

Every ingested return (one respondent at one wave) leaves this stage either
*used* (passed on to scoring) or *quarantined* (set aside with its reasons and
its original cells). Problems get a reason code from :mod:`pipeline.reasons`;
the action for each (quarantine the return, blank the cell, or only flag it)
comes from the configuration.

Structural and value checks run as a Great Expectations suite generated from
the instrument definitions and the study design (:mod:`pipeline.expectations`):
required columns present, ids not null, (respondent, wave) unique, wave and
group labels known, item codes within their response scale, dates readable and
follow-ups not dated before baseline. Checks that need more than one row at a
time (exact versus conflicting duplicates, orphans) or a whole instrument
(missing items, straight-lining) are made here with pandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Study, ValidateOptions
from pipeline.expectations import Check, run_checks
from pipeline.ingest import ISSUE_COLUMNS, PROVENANCE
from pipeline.instruments import Instrument
from pipeline.keys import member
from pipeline.reasons import PRIORITY, REASONS
from pipeline.score import instruments_present, item_array, score_items

FLAG_COLUMNS = (*ISSUE_COLUMNS[:-1], "action", "message")
KEY = ["respondent_id", "wave"]


@dataclass
class ValidationResult:
    """What the gate decided, record by record."""

    items: pd.DataFrame
    scores: pd.DataFrame
    quarantine: pd.DataFrame
    flags: pd.DataFrame
    records: pd.DataFrame
    gx_result: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def _item_groups(items: pd.DataFrame, instruments: Mapping[str, Instrument]):
    """Yield ``(table name, scale, item columns)`` for each instrument's scale present."""
    for inst in instruments.values():
        by_scale: dict[str, list] = {}
        for item in inst.items:
            if item.id in items:
                by_scale.setdefault(item.scale.id, [item.scale, []])[1].append(item.id)
        for scale_id, (scale, cols) in by_scale.items():
            yield f"{inst.id}_{scale_id}", scale, cols


def build_checks(items: pd.DataFrame, instruments: Mapping[str, Instrument], study: Study):
    """Generate the expectation list from the instrument definitions and the study design.

    Record-level checks apply to the ``returns`` table. Item codes are checked
    per instrument and response scale on a table of the distinct codes answered
    (``value``), one expectation per scale rather than per item; the cells
    holding a code that fails are found afterwards. This keeps the suite's cost
    independent of the number of returns for the item checks.

    Parameters
    ----------
    items : pandas.DataFrame
        The items table (to know which columns are present).
    instruments : mapping of str to Instrument
        Definitions; each present item's codes are checked against its scale.
    study : Study
        Waves and groups, whose labels must be known.

    Returns
    -------
    list of Check
    """
    checks = [
        Check("exists", "respondent_id", "missing_id"),
        Check("exists", "wave", "unknown_wave"),
        Check("not_null", "respondent_id", "missing_id"),
        Check("not_null", "wave", "unknown_wave"),
        Check("in_set", "wave", "unknown_wave", tuple(study.waves)),
        Check("unique", ("respondent_id", "wave"), "duplicate"),
    ]
    if "group" in items and study.groups:
        checks.append(Check("in_set", "group", "unknown_group", tuple(study.groups)))
    if "date" in items:
        checks.append(Check("between", "days_after_baseline", "follow_up_before_baseline", low=0))
    for table, scale, _ in _item_groups(items, instruments):
        if scale.integer:
            codes = tuple(float(c) for c in scale.codes())
            checks.append(Check("in_set", "value", "out_of_range", codes, table=table))
        else:
            checks.append(
                Check(
                    "between", "value", "out_of_range", low=scale.min, high=scale.max, table=table
                )
            )
    return checks


def _gate_tables(items: pd.DataFrame, instruments: Mapping[str, Instrument], study: Study):
    """Return the tables the suite runs on, and for each item table its codes and columns."""
    checked = [c for c in ("respondent_id", "wave", "group") if c in items]  # what checks read
    tables = {
        "returns": items[checked].assign(
            days_after_baseline=_days_after_baseline(items, study.waves[0])
        )
    }
    codes = {}
    for table, _, cols in _item_groups(items, instruments):
        distinct = np.unique(
            np.concatenate([pd.unique(items[c].to_numpy("float64")) for c in cols])
        )
        distinct = distinct[~np.isnan(distinct)]
        tables[table] = pd.DataFrame({"value": distinct})
        codes[table] = (distinct, cols)
    return tables, codes


def _days_after_baseline(items: pd.DataFrame, baseline: str) -> pd.Series:
    """Days from each respondent's (first) baseline date; NaN at baseline or without dates."""
    if "date" not in items:
        return pd.Series(np.nan, index=items.index)
    person, ids = pd.factorize(items["respondent_id"])
    dates = items["date"].to_numpy(dtype="datetime64[ns]")
    at_base = (items["wave"] == baseline).to_numpy(dtype=bool) & (person >= 0) & ~np.isnat(dates)
    first = pd.Series(dates[at_base]).groupby(person[at_base]).min()
    start = np.full(len(ids) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")  # [-1]: no id
    start[first.index.to_numpy()] = first.to_numpy()
    days = (dates - start[person]) / np.timedelta64(1, "D")
    days = pd.Series(days, index=items.index, dtype="float64")
    return days.where(items["wave"] != baseline)


class _Flags:
    """Collects flags as small frames; one row per flagged cell, instrument or record."""

    def __init__(self, items: pd.DataFrame, options: ValidateOptions):
        self.items = items
        self.options = options
        self.parts: list[pd.DataFrame] = []

    def add(
        self, rows, code: str, column: str = "", values=None, message: str = "", action=None
    ) -> str:
        rows = np.asarray(rows, dtype="int64")
        action = action or self.options.action(code)
        if len(rows):
            part = self.items.loc[rows, ["record_id", *PROVENANCE, *KEY]].copy()
            part["column"] = column
            if values is None:
                part["value"] = pd.Series(pd.NA, index=part.index, dtype="string")
            else:
                part["value"] = pd.Series(values, index=part.index).astype("string")
            part["code"] = code
            part["action"] = action
            part["message"] = message or REASONS[code].meaning
            self.parts.append(part)
        return action

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=list(FLAG_COLUMNS))
        return pd.concat(self.parts, ignore_index=True)[list(FLAG_COLUMNS)]


def _cell_fixes(items, gate, codes, ingest_issues, flags: _Flags) -> pd.DataFrame:
    """Flag cell-level problems and blank the cells whose action is ``set_missing``."""
    fixed = items.copy(deep=False)  # copy-on-write: only columns changed below are copied
    for outcome in gate.outcomes:
        if outcome.check.code == "unknown_group" and len(outcome.rows):
            values = items.loc[outcome.rows, "group"].to_numpy()
            if flags.add(outcome.rows, "unknown_group", "group", values) == "set_missing":
                fixed.loc[outcome.rows, "group"] = pd.NA
        if outcome.check.code != "out_of_range" or not len(outcome.rows):
            continue
        distinct, cols = codes[outcome.check.table]
        bad_codes = distinct[outcome.rows]
        for col in cols:
            rows = np.flatnonzero(np.isin(items[col].to_numpy(dtype="float64"), bad_codes))
            if not len(rows):
                continue
            if flags.add(rows, "out_of_range", col, items.loc[rows, col]) == "set_missing":
                fixed.loc[rows, col] = np.nan
    issues = ingest_issues[ingest_issues["code"].isin(["unknown_label", "unparseable_date"])]
    for (code, column), group in issues.groupby(["code", "column"], sort=False):
        rows = group["record_id"].astype("int64").to_numpy()
        flags.add(rows, code, column, group["value"].to_numpy(), group["message"].iloc[0])
        # ingest already left these cells empty; "quarantine" and "flag" act on the record
    return fixed


def _duplicates(items: pd.DataFrame, dup_rows: np.ndarray, flags: _Flags) -> None:
    if not len(dup_rows):
        return
    sub = items.loc[dup_rows]
    content = [c for c in items.columns if c not in ("record_id", *PROVENANCE)]
    digest = pd.util.hash_pandas_object(sub[content], index=False)
    kinds = digest.groupby([sub["respondent_id"], sub["wave"]]).transform("nunique")
    exact = sub.index[(kinds == 1).to_numpy()]
    conflicting = sub.index[(kinds > 1).to_numpy()]
    later_copies = exact[sub.loc[exact].duplicated(KEY, keep="first").to_numpy()]
    flags.add(later_copies, "exact_duplicate", "respondent_id, wave")
    flags.add(conflicting, "conflicting_duplicate", "respondent_id, wave")


def _instrument_flags(items, scored, instruments, options, flags: _Flags) -> None:
    """Flag missing items, straight-lining and returns with nothing scorable."""
    present = instruments_present(items, instruments)
    any_scored = pd.Series(False, index=items.index)
    any_answer = pd.Series(False, index=items.index)
    for inst in present:
        status = scored[f"{inst.id}_status"]
        any_scored |= status.isin(["scored", "partial"])
        any_answer |= status != "not_administered"
        short = status.isin(["too_many_missing", "partial"])
        answered = scored[f"{inst.id}_n_answered"]
        flags.add(
            items.index[short],
            "too_many_missing",
            inst.id,
            answered[short].astype(str) + f" of {len(inst.items)} answered",
            f"missing items exceed the rule {inst.missing.describe()}; "
            f"{inst.id} (or some of its subscales) is not scored",
        )
        own = [i.id for i in inst.items if i.id in items]
        if len(own) == len(inst.items) and len(own) >= options.straight_lining_min_items:
            values = item_array(items, inst)
            same = ~np.isnan(values).any(axis=1) & (values.max(axis=1) == values.min(axis=1))
            flags.add(items.index[same], "straight_lining", inst.id, values[same, 0])
    flags.add(items.index[~any_answer], "empty_return")
    short_everywhere = any_answer & ~any_scored
    flags.add(
        items.index[short_everywhere],
        "too_many_missing",
        "",
        message="no instrument could be scored for this return",
        action="quarantine",
    )
    return any_scored


def _record_status(items: pd.DataFrame, flag_frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per record: status, quarantining reasons and all reasons.

    Each record's reasons are kept as a bit mask over the reason codes in
    :data:`~pipeline.reasons.PRIORITY` order, so the reason lists are built once
    per distinct combination rather than once per record.
    """
    order = list(PRIORITY) + sorted(set(flag_frame["code"].unique()) - set(PRIORITY))
    bit = np.left_shift(
        1, pd.Categorical(flag_frame["code"], categories=order).codes, dtype="int64"
    )
    row = pd.Index(items["record_id"]).get_indexer(flag_frame["record_id"].to_numpy())
    if (row < 0).any():
        raise RuntimeError("a flag refers to a record_id that is not in the items table")
    every = np.zeros(len(items), dtype="int64")
    np.bitwise_or.at(every, row, bit)
    quarantining = (flag_frame["action"] == "quarantine").to_numpy(dtype=bool)
    held = np.zeros(len(items), dtype="int64")
    np.bitwise_or.at(held, row[quarantining], bit[quarantining])
    masks, at = np.unique(every, return_inverse=True)
    joined = [";".join(c for i, c in enumerate(order) if m >> i & 1) for m in masks.tolist()]
    lowest = np.log2(held & -held, out=np.zeros(len(held)), where=held != 0).astype("int64")
    records = items[["record_id", *PROVENANCE, *KEY]].copy()
    for col in ("group", "site", "date"):
        if col in items:
            records[col] = items[col]
    records["status"] = np.where(held != 0, "quarantined", "used")
    records["quarantine_reason"] = pd.array(order, dtype="str").take(
        np.where(held != 0, lowest, -1), allow_fill=True
    )
    records["reasons"] = pd.array(joined, dtype="string").take(at)
    return records


def _longitudinal(items, records, early_rows, study: Study, flags: _Flags) -> None:
    """Flag follow-ups dated before baseline, and follow-ups with no usable baseline.

    ``early_rows`` are the rows the expectation suite found dated before their
    respondent's baseline; only follow-ups still in use are flagged.
    """
    baseline = study.waves[0]
    used = records["status"] == "used"
    follow = used & records["wave"].isin(study.waves[1:])
    early = follow & items.index.isin(early_rows)
    values = items.loc[early, "date"] if "date" in items else None
    flags.add(items.index[early], "follow_up_before_baseline", "date", values)
    has_base = member(
        items["respondent_id"], items.loc[used & (records["wave"] == baseline), "respondent_id"]
    )
    flags.add(items.index[follow & ~early & ~has_base], "orphan_follow_up")


def validate_items(
    items: pd.DataFrame,
    ingest_issues: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    study: Study,
    options: ValidateOptions | None = None,
) -> ValidationResult:
    """Run the data-quality gate.

    Parameters
    ----------
    items : pandas.DataFrame
        The ingest stage's items table (with ``record_id``).
    ingest_issues : pandas.DataFrame
        Cell-level issues from ingest (``unknown_label``, ``unparseable_date``...).
    instruments : mapping of str to Instrument
        Definitions, with the run's scoring options applied.
    study : Study
        Waves (the first is the baseline) and groups.
    options : ValidateOptions, optional
        Actions per reason code and quality thresholds.

    Returns
    -------
    ValidationResult
        ``items`` holds the used records (cells blanked where the action was
        ``set_missing``); ``scores`` their scores (for the participant flow);
        ``quarantine`` the others with their reasons (add their original cells
        with :func:`with_original_cells`); ``flags`` every flag; ``records`` one row per record
        with its status.
    """
    options = options or ValidateOptions()
    items = items.reset_index(drop=True)
    flags = _Flags(items, options)
    tables, codes = _gate_tables(items, instruments, study)
    gate = run_checks(tables, build_checks(items, instruments, study))
    by_code: dict[str, Any] = {}
    for o in gate.outcomes:  # rows failing any check with the same reason code
        if o.check.kind != "exists" and o.check.table == "returns":
            rows = by_code[o.check.code].rows if o.check.code in by_code else np.array([], int)
            by_code[o.check.code] = replace(o, rows=np.union1d(rows, o.rows))
    flags.add(by_code["missing_id"].rows, "missing_id", "respondent_id")
    unknown_wave = by_code["unknown_wave"].rows
    flags.add(unknown_wave, "unknown_wave", "wave", items.loc[unknown_wave, "wave"].to_numpy())
    fixed = _cell_fixes(items, gate, codes, ingest_issues, flags)
    _duplicates(items, by_code["duplicate"].rows, flags)
    scored = score_items(fixed, instruments)
    _instrument_flags(fixed, scored, instruments, options, flags)
    records = _record_status(items, flags.frame())
    early = by_code.get("follow_up_before_baseline")
    _longitudinal(fixed, records, early.rows if early else [], study, flags)
    flag_frame = flags.frame()
    records = _record_status(items, flag_frame)
    used = records["status"].to_numpy() == "used"
    cols = ["record_id", *PROVENANCE, *KEY, "quarantine_reason", "reasons"]
    quarantine = records.loc[~used, cols].rename(columns={"quarantine_reason": "reason"})
    summary = {
        "records": len(items),
        "used": int(used.sum()),
        "quarantined": int((~used).sum()),
        "quarantined_by_reason": records.loc[~used, "quarantine_reason"].value_counts().to_dict(),
        "flags": flag_frame["code"].value_counts().sort_index().to_dict(),
        "expectations": {
            "evaluated": len(gate.outcomes),
            "failed": [f"{o.check.kind} {o.check.column}" for o in gate.outcomes if not o.success],
        },
    }
    return ValidationResult(
        items=fixed.loc[used].reset_index(drop=True),
        scores=scored.loc[used].reset_index(drop=True),
        quarantine=quarantine,
        flags=flag_frame,
        records=records,
        gx_result=gate.result_json,
        summary=summary,
    )


def with_original_cells(quarantine: pd.DataFrame, raw: pd.DataFrame) -> pd.DataFrame:
    """Return the quarantined records followed by their original cells (``original:<header>``).

    Parameters
    ----------
    quarantine : pandas.DataFrame
        :attr:`ValidationResult.quarantine`.
    raw : pandas.DataFrame
        The ingest stage's raw rows (at least those of the quarantined records),
        keyed by provenance.

    Returns
    -------
    pandas.DataFrame
    """
    original = raw.rename(columns={c: f"original:{c}" for c in raw.columns if c not in PROVENANCE})
    return quarantine.merge(original, on=list(PROVENANCE), how="left")
