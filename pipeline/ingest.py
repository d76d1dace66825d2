"""Ingest stage: raw survey exports to one canonical items table.

The canonical items table has one row per respondent per wave:

``respondent_id, wave, group, site, date``
    Key and context columns (``group``, ``site`` and ``date`` only when present).
covariates
    The columns the study declares (``study.covariates``), when present.
item columns
    Named by the instrument definitions (``wemwbs_1`` ... ``ghq28_d7``), holding
    numeric response codes; missing answers and declared missing-value codes are
    NaN. Codes outside the response scale are kept as they are, for the
    validate and score stages to flag.
``source_file, source_sheet, source_row``
    Where each record came from (``source_row`` is the spreadsheet row number,
    the header being row 1, or the case number in an SPSS file).
``record_id``
    The record's position (0, 1, ...), carried by every later output so each
    return can be traced to exactly one of the scored or quarantined files.

The raw table keeps every input row's original cells as text (with the
provenance columns), so that a quarantined return can be shown as it arrived.

Every cell that could not be understood is listed in an issues table with a
reason code: ``unknown_label``, ``missing_id``, ``unknown_wave``,
``unknown_group``, ``unparseable_date``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import RESERVED_COLUMNS, SourceMapping, Study
from pipeline.errors import ConfigError, InputFileError
from pipeline.instruments import Instrument, Item, normalise_label
from pipeline.io import RawTable
from pipeline.progress import bar

PROVENANCE = ("source_file", "source_sheet", "source_row")
ISSUE_COLUMNS = (
    "record_id",
    *PROVENANCE,
    "respondent_id",
    "wave",
    "column",
    "value",
    "code",
    "message",
)
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass
class IngestResult:
    """The items table, the cell-level issues found, the raw rows and a summary per file."""

    items: pd.DataFrame
    issues: pd.DataFrame
    raw: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def _normalise(series: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_label`; missing stays missing."""
    text = series.astype("string").str.replace("\u2019", "'").str.replace("\u00a0", " ")
    return text.str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()


def _target(header: str, mapping: SourceMapping, known: set[str]) -> str | None:
    norm = normalise_label(header)
    if norm in mapping.columns:
        return mapping.columns[norm]
    snake = norm.replace(" ", "_")
    return snake if snake in known else None


def _map_headers(table: RawTable, mapping: SourceMapping, known: set[str], layout: str):
    """Return ``{source header: (target, wave or None)}`` and the unmapped headers."""
    mapped: dict[str, tuple[str, str | None]] = {}
    unmapped = []
    headers = [str(h) for h in table.frame.columns]
    for header in headers:
        target, wave = _target(header, mapping, known), None
        if target is None and layout == "wide":
            norm = normalise_label(header)
            for w, suffix in mapping.wide_suffixes.items():
                suf = normalise_label(suffix)
                if suf and norm.endswith(suf):
                    target, wave = _target(norm[: -len(suf)].strip(), mapping, known), w
                    if target is not None:
                        break
        if target is None:
            unmapped.append(header)
        elif header in mapped:
            raise InputFileError(
                f"the header {header!r} appears twice; rename or delete one of the columns",
                file=table.file,
                location=f"column {headers.index(header) + 1} and a later one",
            )
        else:
            mapped[header] = (target, wave)
    seen: dict[tuple[str, str | None], str] = {}
    for header, key in mapped.items():
        if key in seen:
            raise InputFileError(
                f"columns {seen[key]!r} and {header!r} both map to {key[0]!r}"
                + (f" for wave {key[1]!r}" if key[1] else "")
                + f"; keep one or map them apart in {mapping.path}",
                file=table.file,
                location=f"header {header!r}",
            )
        seen[key] = header
    return mapped, unmapped


def _reshape(table: RawTable, mapped, layout: str, mapping: SourceMapping) -> pd.DataFrame:
    """Return one record per respondent per wave with canonical column names."""
    frame = table.frame
    common = {h: t for h, (t, w) in mapped.items() if w is None}

    base = frame[list(common)].rename(columns=common)
    base["source_row"] = table.rows
    if layout != "wide":
        if table.wave is not None:
            base["wave"] = table.wave
        return base
    parts = []
    kept = np.zeros(len(frame), dtype=bool)
    for wave in mapping.wide_suffixes:
        cols = {h: t for h, (t, w) in mapped.items() if w == wave}
        if not cols:
            continue
        part = frame[list(cols)].rename(columns=cols)
        text = part.apply(lambda col: col.astype("string").str.strip())
        filled = ~(text.isna() | (text == "")).all(axis=1).to_numpy()
        part = pd.concat([base, part], axis=1).assign(wave=wave)
        parts.append(part[filled])
        kept |= filled
    if not parts:
        raise InputFileError(
            f"no column carries a wave suffix {list(mapping.wide_suffixes.values())}; "
            f"check wide_suffixes in {mapping.path}",
            file=table.file,
        )
    first_wave = next(iter(mapping.wide_suffixes))
    parts.append(base[~kept].assign(wave=first_wave))  # rows with no answers still count
    return pd.concat(parts, ignore_index=True)


def _issues(records: pd.DataFrame, mask: np.ndarray, column: str, values, code: str, msg: str):
    sub = records.loc[mask, ["record_id", *PROVENANCE, "respondent_id", "wave"]].copy()
    sub["column"] = column
    sub["value"] = pd.Series(values, index=records.index)[mask].astype("string")
    sub["code"] = code
    sub["message"] = msg
    return sub


def _by_unique(values: pd.Series, func) -> dict[str, np.ndarray]:
    """Apply ``func`` to the distinct values of a column only, then spread the result back.

    Survey columns hold few distinct values (a handful of codes and labels), so the
    string work runs on those, not on every respondent. Returns one array per column
    of ``func``'s result, aligned with ``values``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = func(pd.Series(uniques, dtype=object))
    missing_row = func(pd.Series([None], dtype=object))
    table = pd.concat([table, missing_row], ignore_index=True)  # position -1: missing cells
    return {col: table[col].to_numpy()[codes] for col in table.columns}


def convert_item(values: pd.Series, item: Item, inst: str, mapping: SourceMapping):
    """Turn one column of raw answers into numeric codes.

    Numbers (``4``, ``"4.0"``, ``"4,0"``), response labels from the instrument or
    the mapping file (``"Often"``), and labels led by their code
    (``"4 - Often"``) are understood. Declared missing-value codes become NaN
    unless they are valid responses for the item.

    Parameters
    ----------
    values : pandas.Series
        The raw cells.
    item : Item
        The item definition (its scale gives labels and valid codes).
    inst : str
        Instrument id, to find extra labels and missing codes in the mapping.
    mapping : SourceMapping
        The mapping file.

    Returns
    -------
    codes : pandas.Series
        Float codes, NaN where missing or not understood.
    unknown : numpy.ndarray
        True where a non-blank cell was not understood.
    """
    labels = {
        **item.scale.labels,
        **mapping.labels.get(inst, {}),
        **mapping.labels.get(item.id, {}),
    }
    missing_codes = mapping.missing_codes_by_instrument.get(inst, mapping.missing_codes)
    numeric_missing = pd.to_numeric(pd.Series(missing_codes, dtype="string"), errors="coerce")

    def convert(raw: pd.Series) -> pd.DataFrame:
        norm = _normalise(raw)
        blank = norm.isna() | (norm == "")
        number = pd.to_numeric(
            norm.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True), errors="coerce"
        ).astype("float64")
        labelled = norm.map(labels).astype("float64")
        leading = pd.to_numeric(
            norm.str.extract(r"^(-?\d+)\s*[-=:.)]\s*\D", expand=False), errors="coerce"
        ).astype("float64")
        codes = number.fillna(labelled).fillna(leading)
        declared = norm.isin(missing_codes) | number.isin(numeric_missing.dropna())
        declared &= ~codes.between(item.scale.min, item.scale.max)
        codes = codes.mask(declared | blank)
        unknown = (~blank & ~declared & codes.isna()).astype(bool)
        return pd.DataFrame({"code": codes, "unknown": unknown})

    out = _by_unique(values, convert)
    return pd.Series(out["code"], index=values.index, dtype="float64"), out["unknown"]


def _parse_dates(values: pd.Series, dayfirst: bool) -> pd.Series:
    """Parse ISO dates, spreadsheet date serials and day-first (or month-first) dates."""
    text = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    if iso.any():
        out[iso] = pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    serial = pd.to_numeric(text.where(~iso), errors="coerce")
    is_serial = serial.between(20000, 80000).fillna(False).astype(bool)
    if is_serial.any():
        days = pd.to_timedelta(serial[is_serial].round(), unit="D")
        out[is_serial] = EXCEL_EPOCH + days
    rest = ~iso & ~is_serial & text.notna() & (text != "")
    if rest.any():
        # explicit formats only: a date that does not fit the declared order (13/01 read
        # month-first, say) is left unparsed and flagged, never silently swapped
        numeric = text[rest].str.replace(r"[-.]", "/", regex=True)
        textual = ("%d %b", "%d %B", "%b %d", "%B %d")  # month names are never ambiguous
        order = (("%d/%m",) if dayfirst else ("%m/%d",)) + textual
        for form in [f"{o}{sep}{y}" for o in order for sep in ("/", " ") for y in ("%Y", "%y")]:
            todo = out[rest].isna()
            if not todo.any():
                break
            parsed = pd.to_datetime(numeric[todo.to_numpy()], format=form, errors="coerce")
            out.loc[parsed.index] = out.loc[parsed.index].fillna(parsed)
    return out.dt.normalize()


def _labels(records: pd.DataFrame, column: str, aliases: Mapping[str, str], canonical: tuple):
    """Map a label column (wave, group) through the mapping's aliases, on its distinct values."""

    def convert(raw: pd.Series) -> pd.DataFrame:
        norm = _normalise(raw)
        mapped = norm.map(aliases)
        blank = norm.isna() | (norm == "")
        unknown = ~blank & mapped.isna() if canonical else pd.Series(False, index=raw.index)
        text = raw.astype("string")
        out = mapped.fillna(text.str.strip()) if canonical else text
        return pd.DataFrame({"label": out.mask(blank).astype(object), "unknown": unknown})

    table = _by_unique(records[column], convert)
    return pd.Series(table["label"], index=records.index, dtype="str"), table["unknown"]


def _stripped(values: pd.Series) -> pd.Series:
    """Text with surrounding white space removed; blank cells become missing."""
    table = _by_unique(
        values,
        lambda u: pd.DataFrame({"t": u.astype("string").str.strip().replace("", pd.NA)}),
    )
    return pd.Series(table["t"], index=values.index, dtype="string")


def ingest(
    tables: list[RawTable],
    mapping: SourceMapping,
    study: Study,
    instruments: Mapping[str, Instrument],
    id_key: str | None = None,
    config_path: str = "",
) -> IngestResult:
    """Combine raw tables into the canonical items table.

    Parameters
    ----------
    tables : list of RawTable
        The raw files, as read by :func:`pipeline.io.read_source`.
    mapping : SourceMapping
        Header, label and missing-code mapping.
    study : Study
        Waves, groups and covariates.
    instruments : mapping of str to Instrument
        Definitions, for item ids, response labels and valid codes.
    id_key : str, optional
        When given, respondent ids are replaced by keyed-hash pseudonyms
        (:func:`pseudonymise`) here, before anything is written.
    config_path : str, optional
        The run configuration, named in errors about a source's options.

    Returns
    -------
    IngestResult

    Raises
    ------
    InputFileError
        If a file has no respondent id column, no wave (long layout), no
        recognisable item column, or two columns mapping to one.
    ConfigError
        If the mapping sends a header to a column that does not exist.
    """
    items_by_id = {i.id: (inst.id, i) for inst in instruments.values() for i in inst.items}
    known = set(RESERVED_COLUMNS) | set(study.covariates) | set(items_by_id)
    unknown_targets = sorted(set(mapping.columns.values()) - known)
    if unknown_targets:
        raise ConfigError(
            f"columns map to {unknown_targets}, which are neither item ids, "
            f"{list(RESERVED_COLUMNS)} nor declared covariates {list(study.covariates)}",
            file=mapping.path,
            location="columns",
        )
    records, raws, summary = [], [], {"files": []}
    for position, table in enumerate(tables):
        if table.frame.empty:
            raise InputFileError(
                "the file has a header but no data rows; check the export or drop it from the "
                "sources",
                file=table.file,
            )
        layout = table.layout or mapping.layout
        mapped, unmapped = _map_headers(table, mapping, known, layout)
        targets = {t for t, _ in mapped.values()}
        if table.wave is not None and "wave" in targets:
            header = next(h for h, (t, _) in mapped.items() if t == "wave")
            raise ConfigError(
                f"the source is given the wave {table.wave!r} but {table.file} also has a wave "
                f"column {header!r}; remove one of them",
                file=config_path or None,
                location=f"ingest.sources[{position}].wave",
            )
        unsuffixed = [h for h, (t, w) in mapped.items() if w is None and t in items_by_id]
        if layout == "wide" and unsuffixed:
            raise InputFileError(
                f"in a wide layout every item column needs a wave suffix "
                f"({', '.join(mapping.wide_suffixes.values())}); {unsuffixed[0]!r} has none, so "
                "its wave is unknown",
                file=table.file,
                location=f"header {unsuffixed[0]!r}",
            )
        if "respondent_id" not in targets:
            raise InputFileError(
                "no respondent id column: map one of the headers "
                f"{list(table.frame.columns)[:12]} to respondent_id in {mapping.path}",
                file=table.file,
                location="columns",
            )
        if layout == "long" and table.wave is None and "wave" not in targets:
            raise InputFileError(
                f"no wave column: map one to 'wave' in {mapping.path}, or give the source a "
                "'wave' in the run configuration (one file per wave)",
                file=table.file,
                location="columns",
            )
        if not targets & set(items_by_id):
            raise InputFileError(
                "no recognisable instrument item columns among "
                f"{list(table.frame.columns)[:12]}; map headers to item ids in {mapping.path} "
                "(see 'wellbeing instruments show ID')",
                file=table.file,
                location="columns",
            )
        part = _reshape(table, mapped, layout, mapping)
        part["source_file"] = table.file
        part["source_sheet"] = table.sheet
        records.append(part)
        id_headers = [h for h, (t, _) in mapped.items() if t == "respondent_id"]
        raws.append(_raw_rows(table, id_headers, id_key))
        summary["files"].append(
            {
                "file": table.file,
                "sheet": table.sheet,
                "layout": layout,
                "encoding": table.encoding,
                "rows_read": len(table.frame),
                "records": len(part),
                "unmapped_columns": unmapped,
            }
        )
    data = pd.concat(records, ignore_index=True)
    data["record_id"] = np.arange(len(data), dtype="int64")
    if id_key:
        data["respondent_id"] = pseudonymise(data["respondent_id"], id_key)
        summary["pseudonymised"] = True
    result = _convert(data, mapping, study, items_by_id, summary)
    result.raw = pd.concat(raws, ignore_index=True)
    return result


def clean_ids(ids: pd.Series) -> pd.Series:
    """Strip ids, undo a spreadsheet's ``1001.0``, and treat blanks as missing."""
    text = ids.astype("string").str.strip()
    return text.str.replace(r"^(\d+)\.0$", r"\1", regex=True).mask(text == "")


def pseudonymise(ids: pd.Series, key: str) -> pd.Series:
    """Replace ids with keyed-hash pseudonyms (``p_`` + 16 hex digits); missing stays missing.

    The hash is SipHash-2-4 (pandas' keyed, vectorised ``hash_array``) under a
    key derived from ``key`` with SHA-256, so the same id always gets the same
    pseudonym under the same key, and nobody without the key can link them back.
    """
    digest = base64.b64encode(hashlib.sha256(key.encode("utf-8")).digest()).decode()[:16]
    text = clean_ids(ids)
    known = text.notna().to_numpy()
    hashed = pd.util.hash_array(text[known].to_numpy(dtype=object), hash_key=digest)
    out = pd.Series(pd.NA, index=ids.index, dtype="string")
    nibbles = hashed.astype(">u8").view(np.uint8).reshape(-1, 8)
    digits = np.array(list("0123456789abcdef"))[np.stack([nibbles >> 4, nibbles & 15], axis=2)]
    hexes = np.ascontiguousarray(digits.reshape(-1, 16)).view("<U16").ravel()
    out[known] = np.char.add("p_", hexes)
    return out


def _raw_rows(table: RawTable, id_headers: list[str], key: str | None) -> pd.DataFrame:
    """Return the table's cells as text with unique column names and provenance."""
    names, seen = [], {}
    for col in map(str, table.frame.columns):
        seen[col] = seen.get(col, 0) + 1
        names.append(col if seen[col] == 1 else f"{col} ({seen[col]})")
    raw = table.frame.set_axis(names, axis=1).astype("string")
    if key:
        for header in id_headers:
            raw[header] = pseudonymise(raw[header], key)
    provenance = pd.DataFrame(
        {"source_file": table.file, "source_sheet": table.sheet, "source_row": table.rows}
    )
    return pd.concat([provenance, raw], axis=1)


def _convert(data, mapping, study, items_by_id, summary) -> IngestResult:
    issues = []
    out = pd.DataFrame(index=data.index)
    rid = clean_ids(data["respondent_id"])
    out["respondent_id"] = rid
    data = data.assign(respondent_id=rid)
    out["wave"], bad_wave = _labels(data, "wave", mapping.waves, study.waves)
    data = data.assign(wave=out["wave"])
    issues.append(
        _issues(data, rid.isna().to_numpy(), "respondent_id", rid, "missing_id", "no respondent id")
    )
    issues.append(
        _issues(
            data,
            bad_wave,
            "wave",
            data["wave"],
            "unknown_wave",
            f"not one of {list(study.waves)}; add the label under waves in the mapping",
        )
    )
    if "group" in data:
        out["group"], bad = _labels(data, "group", mapping.groups, study.groups)
        issues.append(
            _issues(
                data,
                bad,
                "group",
                data["group"],
                "unknown_group",
                f"not one of {list(study.groups)}; add it under groups in the mapping",
            )
        )
    if "site" in data:
        out["site"] = _stripped(data["site"])
    if "date" in data:
        dates = _by_unique(
            data["date"], lambda u: pd.DataFrame({"d": _parse_dates(u, mapping.dayfirst)})
        )
        out["date"] = pd.Series(dates["d"], index=data.index, dtype="datetime64[ns]")
        bad = (out["date"].isna() & _stripped(data["date"]).notna()).to_numpy()
        issues.append(
            _issues(
                data,
                bad,
                "date",
                data["date"],
                "unparseable_date",
                "not a date; use YYYY-MM-DD or DD/MM/YYYY",
            )
        )
    for cov in study.covariates:
        if cov in data:
            text = _stripped(data[cov])
            codes, uniques = pd.factorize(text)  # parse each distinct value once
            parsed = pd.to_numeric(pd.Series(uniques), errors="coerce").array
            number = pd.Series(parsed.take(codes, allow_fill=True), index=data.index)
            out[cov] = number if number.notna().sum() == text.notna().sum() else text
    item_cols = [c for c in data.columns if c in items_by_id]
    for col in bar(item_cols, "ingest: reading answers"):
        inst, item = items_by_id[col]
        codes, unknown = convert_item(data[col], item, inst, mapping)
        out[col] = codes
        issues.append(
            _issues(
                data,
                unknown,
                col,
                data[col],
                "unknown_label",
                f"not a code or label of the {item.scale.min:g}-{item.scale.max:g} "
                "scale; add the label to the mapping file or fix the cell",
            )
        )
    for col in PROVENANCE:
        out[col] = data[col]
    out["source_row"] = out["source_row"].astype("int64")
    out["record_id"] = data["record_id"]
    issue_frame = pd.concat(issues, ignore_index=True)[list(ISSUE_COLUMNS)]
    summary["records"] = len(out)
    summary["issues"] = issue_frame["code"].value_counts().sort_index().to_dict()
    summary["item_columns"] = [c for c in out.columns if c in items_by_id]
    return IngestResult(out, issue_frame, pd.DataFrame(), summary)
