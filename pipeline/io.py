"""File input and output: the only module that reads inputs or writes outputs.

Inputs are read as text, so that no value is silently converted: CSV (UTF-8 with
or without BOM, or Windows-1252; comma, semicolon or tab), Excel ``.xlsx`` (a
chosen sheet) and SPSS ``.sav`` (value labels applied). Outputs are written to a
temporary file in the destination folder and renamed into place, so a reader
never sees a half-written file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import SourceSpec
from pipeline.errors import InputFileError

SUPPORTED = (".csv", ".txt", ".xlsx", ".xlsm", ".sav")


@dataclass(frozen=True)
class RawTable:
    """An input file's cells as text, with where each row came from."""

    frame: pd.DataFrame
    file: str
    sheet: str
    rows: np.ndarray
    wave: str | None = None
    layout: str | None = None
    encoding: str = ""


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM); bytes that are not UTF-8 are read as Windows-1252.

    Exports typed on Windows are often Windows-1252, and files pasted together can mix
    the two, so each byte that is not valid UTF-8 is decoded on its own as Windows-1252.
    A byte Windows-1252 leaves undefined means neither encoding fits: an error. The
    encoding reported says whether and how often the fallback was used.
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    fallbacks = 0
    where = 0

    def fallback(err: UnicodeDecodeError) -> tuple[str, int]:
        nonlocal fallbacks, where
        where = err.start
        bad = err.object[err.start : err.end]
        fallbacks += len(bad)
        return bad.decode("cp1252"), err.end  # raises for the 5 bytes cp1252 leaves undefined

    codecs.register_error("wellbeing_cp1252", fallback)
    try:
        text = body.decode("utf-8", errors="wellbeing_cp1252")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"cannot decode byte {exc.object[exc.start]:#x} at offset {where + exc.start}: "
            "the file is neither UTF-8 nor Windows-1252; re-export it as UTF-8 CSV",
            file=str(path),
        ) from None
    if not fallbacks:
        return text, "utf-8-sig" if body is not data else "utf-8"
    if not _utf8_run(body):
        return text, "cp1252"
    return text, f"utf-8 with {fallbacks} Windows-1252 byte(s)"


def _utf8_run(data: bytes) -> bool:
    """Whether the bytes hold at least one valid multi-byte UTF-8 sequence."""
    return re.search(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}", data) is not None


NEWLINE = re.compile(rb"\r\n|\r|\n")


def _sniff_delimiter(header: str) -> str:
    counts = {d: next(csv.reader([header], delimiter=d), []).__len__() for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 1 else ","


def _fast_frame(body: bytes, header: list[str], delimiter: str) -> pd.DataFrame | None:
    """Parse UTF-8 rows after the header with Arrow's multi-threaded reader, as text.

    Returns None when the file needs the tolerant reader instead: blank lines (whose
    row numbers Arrow would not keep), rows with too few or too many fields, bad
    quoting or bytes that are not UTF-8.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if b"\n\n" in body or b"\n\r\n" in body or b"\r\r" in body:
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),  # pandas' own storage
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    return table.to_pandas(types_mapper={pa.large_string(): text}.get).set_axis(header, axis=1)


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Return True for rows whose every cell is blank (the first column is checked first)."""
    blank = np.array(frame.iloc[:, 0].str.strip().eq(""), dtype=bool)  # writable copy
    candidates = np.flatnonzero(blank)
    if candidates.size:
        rest = frame.iloc[candidates, 1:].apply(lambda col: col.str.strip().eq(""))
        blank[candidates] = rest.all(axis=1).to_numpy(dtype=bool)
    return blank


def read_csv(spec: SourceSpec) -> RawTable:
    """Read a delimited text export as text cells.

    Well-formed UTF-8 files go through Arrow's multi-threaded reader; anything else
    (Windows-1252 bytes, blank lines, ragged rows) through pandas' tolerant one, which
    gives the same cells and row numbers or a clear error.

    Parameters
    ----------
    spec : SourceSpec
        The source; ``header_row`` says which line holds the column names.

    Returns
    -------
    RawTable
    """
    path = spec.path
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise InputFileError(
            "the file holds binary data, not delimited text; export it as CSV", file=str(path)
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    skip = spec.header_row - 1
    start = 0  # where the header line begins; lines end in \r\n, \n or (old Macs) \r
    for _ in range(skip):
        end = NEWLINE.search(body, start)
        start = end.end() if end else len(body)
    end = NEWLINE.search(body, start)
    header_line, _ = _decode(body[start : end.start() if end else len(body)], path)
    if not header_line.strip():
        raise InputFileError("the file is empty (no header row)", file=str(path))
    delimiter = _sniff_delimiter(header_line)
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
    frame = None
    if '"' not in header_line:
        frame = _fast_frame(body[start:], header, delimiter)
        encoding = "utf-8-sig" if bom else "utf-8"
    if frame is None:
        frame, encoding = _tolerant_frame(data, path, skip, delimiter)
    blank = _blank_rows(frame)
    rows = np.arange(len(frame)) + spec.header_row + 1
    return RawTable(
        frame[~blank].reset_index(drop=True),
        str(path),
        "",
        rows[~blank],
        spec.wave,
        spec.layout,
        encoding,
    )


def _tolerant_frame(data: bytes, path: Path, skip: int, delimiter: str) -> tuple[pd.DataFrame, str]:
    """Decode (with the Windows-1252 fallback) and parse with pandas; return cells and encoding."""
    text, encoding = _decode(data, path)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skiprows=skip,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        detail = " ".join(str(exc).split())
        raise InputFileError(
            f"cannot parse as CSV ({detail}); check the delimiter and quoting", file=str(path)
        ) from None
    frame.columns = [str(h).strip() for h in frame.iloc[0]]
    return frame.iloc[1:].reset_index(drop=True), encoding


def read_excel(spec: SourceSpec) -> RawTable:
    """Read one sheet of an ``.xlsx`` workbook, cells kept as Python values."""
    path = spec.path
    try:
        book = pd.ExcelFile(path, engine="calamine")  # Rust reader, ~10x openpyxl's speed
    except Exception as exc:  # noqa: BLE001 - calamine raises its own errors for bad files
        raise InputFileError(
            f"cannot open as an Excel workbook ({exc.__class__.__name__}: {exc}); it may be "
            "corrupt or password-protected: save an unprotected .xlsx copy",
            file=str(path),
        ) from None
    sheet = spec.sheet if spec.sheet is not None else 0
    names = book.sheet_names
    if isinstance(sheet, str) and sheet not in names:
        raise InputFileError(f"no sheet named {sheet!r}; the workbook has {names}", file=str(path))
    if isinstance(sheet, int) and not 0 <= sheet < len(names):
        raise InputFileError(f"no sheet number {sheet}; the workbook has {names}", file=str(path))
    name = names[sheet] if isinstance(sheet, int) else sheet
    try:
        frame = pd.read_excel(book, sheet_name=name, dtype=object, header=spec.header_row - 1)
    except ValueError as exc:
        detail = " ".join(str(exc).split())
        raise InputFileError(
            f"cannot read sheet {name!r} with the header on row {spec.header_row} ({detail}); "
            "check header_row in the run configuration",
            file=str(path),
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = frame.isna().all(axis=1).to_numpy()
    rows = np.arange(len(frame)) + spec.header_row + 1
    return RawTable(
        frame[~blank].reset_index(drop=True), str(path), name, rows[~blank], spec.wave, spec.layout
    )


def read_sav(spec: SourceSpec, use_value_labels: bool = True) -> RawTable:
    """Read an SPSS ``.sav`` file; coded values become their value labels when asked."""
    import pyreadstat

    path = spec.path
    try:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError for any bad file
        raise InputFileError(f"cannot read as an SPSS .sav file: {exc}", file=str(path)) from None
    frame = frame.astype(object)
    if use_value_labels:
        for col, labels in meta.variable_value_labels.items():
            if col in frame:
                values = frame[col]
                frame[col] = values.map(labels).where(lambda s: s.notna(), values)
    rows = np.arange(len(frame)) + 1
    return RawTable(frame, str(path), "", rows, spec.wave, spec.layout)


def read_source(spec: SourceSpec, use_value_labels: bool = True) -> RawTable:
    """Read one input file of any supported kind.

    Raises
    ------
    InputFileError
        If the file is missing, of an unsupported kind or unreadable.
    """
    path = spec.path
    if not path.exists():
        raise InputFileError("input file not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_excel(spec)
    if suffix == ".sav":
        return read_sav(spec, use_value_labels)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(spec)
    raise InputFileError(
        f"unsupported file type {suffix!r}; use one of {', '.join(SUPPORTED)}", file=str(path)
    )


# --------------------------------------------------------------------------- outputs


def atomic_write(path: Path, writer: Callable[[Path], None]) -> Path:
    """Write through ``writer`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe.

    Cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    (OWASP's CSV-injection list) in text columns are written as ``'=...``, so
    opening an output in Excel or LibreOffice never executes data. Numeric
    columns are untouched.
    """
    out = frame.copy(deep=False)  # only the columns replaced below are new
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(
            out[col]
        ):
            continue
        text = out[col].astype("string")
        risky = text.str.contains(FORMULA_START, regex=True, na=False)
        if risky.any():
            out[col] = out[col].astype(object).where(~risky, "'" + text[risky].astype(object))
    return out


def _write_csv_fast(frame: pd.DataFrame, path: Path) -> None:
    """Write CSV with Arrow (several times faster than pandas); dates as YYYY-MM-DD."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column of mixed types: let pandas write it
        frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        return
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):  # stored normalised: the time is always midnight
            day = table.column(i).cast(pa.date32(), safe=False)  # as .dt.date: time dropped
            table = table.set_column(i, field.name, day)
    pacsv.write_csv(table, path)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as UTF-8 CSV, atomically, with spreadsheet formulas neutralised."""
    safe = neutralise_formulas(frame)
    return atomic_write(Path(path), lambda p: _write_csv_fast(safe, p))


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as Parquet, atomically."""
    return atomic_write(Path(path), lambda p: frame.to_parquet(p, index=False))


def read_parquet(path: str | Path, stage: str, filters: list | None = None) -> pd.DataFrame:
    """Read a previous stage's Parquet output, with a clear error when it is absent.

    ``filters`` (PyArrow's ``[(column, op, value)]``) keeps only matching rows.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(
            f"not found: run the {stage} stage first (wellbeing {stage} ...)", file=str(path)
        )
    return pd.read_parquet(path, filters=filters)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.Timestamp, Path)):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def write_json(data: Any, path: str | Path) -> Path:
    """Write JSON (UTF-8, indented), atomically."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)
    return write_text(text + "\n", path)


def read_json(path: str | Path, stage: str) -> Any:
    """Read a previous stage's JSON output."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"not found: run the {stage} stage first", file=str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def write_text(text: str, path: str | Path) -> Path:
    """Write a text file (UTF-8), atomically."""
    return atomic_write(Path(path), lambda p: p.write_text(text, encoding="utf-8"))
