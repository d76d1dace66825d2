"""Write the bad-input corpus: small broken, odd or hostile survey exports.

Each file here is one case (or one source of a case) of ``cases.yaml``, which says how
to read it, how to map it and what the pipeline must do with it: stop with a one-line
error naming the file (exit 1 or 2), or run (exit 0) raising the listed reason codes.
``tests/test_bad_inputs.py`` runs every case through ``wellbeing run``.

The script does not import ``pipeline``. It is deterministic: random bytes come from a
seeded generator, and the time stamps that openpyxl and ReadStat write into ``.xlsx``
and ``.sav`` files are replaced by fixed ones, so a rerun writes identical bytes.
Run from anywhere (``openpyxl`` and ``pyreadstat`` are needed)::

    python tests/data/bad_inputs/make_corpus.py [OUTPUT_FOLDER]

By default it writes into ``files/`` next to itself.

The usual body is the six WEMWBS returns of :data:`ROWS` (three people, baseline and
follow-up; header on row 1, so the returns sit on rows 2 to 7 with totals 49, 63, 40,
35, 63 and 21), mapped by the default mapping in ``cases.yaml``; each case changes a
few cells, the header, the encoding or the container.
"""

from __future__ import annotations

import csv
import io
import random
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261122
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_OOXML_TIME = b"2026-01-01T00:00:00Z"

ITEMS = [f"Q{i}" for i in range(1, 15)]
HEADER = ["ID", "Time", "Arm", "Site", "Date", *ITEMS]
GHQ = [f"GHQ {s}{i}" for s in "ABCD" for i in range(1, 8)]

# respondent, wave label, group, site, date, 14 WEMWBS answers (row 2 to row 7)
ROWS: list[list[object]] = [
    ["R1", "Pre", "Arts", "Hall", "2026-01-10", *[3, 4] * 7],  # 49
    ["R1", "Post", "Arts", "Hall", "2026-04-10", *[4, 5] * 7],  # 63
    ["R2", "Pre", "Waiting list", "Library", "2026-01-12", *[1, 2, 3, 4, 5] * 2, 1, 2, 3, 4],  # 40
    ["R2", "Post", "Waiting list", "Library", "2026-04-12", *[2, 3] * 7],  # 35
    ["R3", "Pre", "Arts", "Hall", "2026-01-15", *[5, 4] * 7],  # 63
    ["R3", "Post", "Arts", "Library", "2026-04-15", *[2, 1] * 7],  # 21
]


def rows() -> list[list[object]]:
    """Return a fresh copy of the six standard returns."""
    return [list(r) for r in ROWS]


def csv_text(table: list[list[object]], sep: str = ",", newline: str = "\n") -> str:
    """Return rows as delimited text, quoted where needed."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=newline)
    writer.writerows([[str(c) for c in row] for row in table])
    return buf.getvalue()


def standard(table: list[list[object]] | None = None, header: list[str] | None = None) -> str:
    """Return the standard export (or ``table`` under ``header``) as UTF-8 CSV text."""
    return csv_text([header or HEADER, *(table if table is not None else rows())])


# --------------------------------------------------------------------------- containers


def _normalise_zip(path: Path) -> None:
    """Rewrite a zip (an .xlsx) with fixed entry times and fixed document time stamps."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_OOXML_TIME + rb"\g<3>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data)


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], merges=None) -> None:
    """Write a workbook with one sheet per entry (values written as given), deterministically.

    ``merges`` maps a sheet name to cell ranges to merge (``"B2:D2"``).
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, table in sheets.items():
        sheet = book.create_sheet(name)
        for row in table:
            sheet.append(row)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    book.save(path)
    _normalise_zip(path)


def write_sav(path: Path, frame, labels: dict) -> None:
    """Write an SPSS file with value labels and a fixed creation time stamp."""
    import pyreadstat

    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    data = bytearray(path.read_bytes())
    assert data[:4] == b"$FL2"
    data[92:109] = b"01 Jan 2600:00:00"  # creation date (9 bytes) and time (8 bytes)
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- the cases


def text_cases() -> dict[str, bytes]:
    """Return the delimited-text cases as ``{file name: bytes}``."""
    rng = random.Random(SEED)
    out: dict[str, bytes] = {}
    utf8 = str.encode

    out["empty.csv"] = b""
    out["whitespace_only.csv"] = b"\r\n  \r\n\t\r\n"
    out["header_only.csv"] = utf8(csv_text([HEADER]))
    junk = bytes(rng.randrange(256) for _ in range(2048))
    out["binary_junk.csv"] = b"\x00\x01" + junk
    # high bytes only, no NUL; 0x81 is undefined in Windows-1252 as well as invalid UTF-8
    out["binary_junk_no_nul.csv"] = b"\x81" + bytes(rng.randrange(0x80, 0x100) for _ in range(512))
    out["tab_delimited.csv"] = utf8(csv_text([HEADER, *rows()], sep="\t"))
    out["pipe_delimited.csv"] = utf8(csv_text([HEADER, *rows()], sep="|"))

    table = rows()
    for row in table:
        row[5:] = [f"{v},0" for v in row[5:]]  # "3,0": decimal commas
    out["semicolon_decimal_comma.csv"] = csv_text([HEADER, *table], sep=";").encode("cp1252")

    table = rows()
    table[0][5:] = ["3.0", "04", " 3 ", "4.00", "+3", "4", "3", "4", "3", "4", "3", "4", "3", "4"]
    table[2][8] = "4.5"  # not a whole code: out of range on an integer scale
    out["numbers_as_text.csv"] = utf8(standard(table))

    out["duplicate_item_headers.csv"] = utf8(standard(header=[*HEADER[:-1], "Q1"]))
    header = [*HEADER, "Notes", "Notes"]
    table = [[*r, "a", "b"] for r in rows()]
    out["duplicate_unmapped_headers.csv"] = utf8(standard(table, header))

    big = "x" * 100_000
    table = [[*r, ""] for r in rows()]
    table[0][-1] = big  # an unmapped notes column
    table[1][3] = "Hall " + big  # site
    table[3][5 + 4] = big  # R2 post item 5: an unknown label 100k long
    out["long_cells.csv"] = utf8(standard(table, [*HEADER, "Notes"]))

    extra = [f"Extra {i}" for i in range(1, 3001)]
    table = [[*r, *(str(rng.randrange(10)) for _ in extra)] for r in rows()]
    out["many_columns.csv"] = utf8(standard(table, [*HEADER, *extra]))

    out["no_id_column.csv"] = utf8(standard([r[1:] for r in rows()], HEADER[1:]))
    out["no_wave_column.csv"] = utf8(
        standard([[r[0], *r[2:]] for r in rows()], [HEADER[0], *HEADER[2:]])
    )

    table = rows()
    for row in table:
        row[5:] = [""] * 14
    out["all_items_blank.csv"] = utf8(standard(table))
    table = rows()
    table[3][5:] = [""] * 14  # R2 post returned nothing
    out["one_return_blank.csv"] = utf8(standard(table))

    phq = [f"PHQ{i}" for i in range(1, 10)]
    out["unknown_instrument_only.csv"] = utf8(
        standard([[r[0], r[1], *[1] * 9] for r in rows()], ["ID", "Time", *phq])
    )

    # one file per wave: Windows-1252 baseline, UTF-8-with-BOM follow-up
    per_wave = ["ID", "Arm", "Site", *ITEMS]
    pre = [[r[0], r[2], "Café des Arts", *r[5:]] for r in rows() if r[1] == "Pre"]
    post = [[r[0], r[2], "Salle des fêtes", *r[5:]] for r in rows() if r[1] == "Post"]
    pre[0][3] = "Often"  # R1 item 1 as a label: 4 instead of 3 -> total 50
    out["mixed_enc_pre_cp1252.csv"] = csv_text([per_wave, *pre]).encode("cp1252")
    out["mixed_enc_post_utf8bom.csv"] = b"\xef\xbb\xbf" + utf8(csv_text([per_wave, *post]))

    table = rows()
    table[0][8] = "Oftén"  # not a label (é written as the single byte 0xe9)
    table[2][8] = "Don\u2019t know"  # curly apostrophe (byte 0x92): a declared missing code
    out["cp1252_label_bytes.csv"] = csv_text([HEADER, *table]).encode("cp1252")

    text = standard()
    out["undecodable_bytes.csv"] = utf8(text).replace(b"Hall", b"Ha\x81\x8dll", 1)

    # a UTF-8 baseline, and a follow-up that is UTF-8 but for one Windows-1252 byte
    per_wave = ["ID", "Arm", "Site", *ITEMS]
    pre = [["José", "Arts", "Hall", *[3, 4] * 7], ["Zoë", "Arts", "Hall", *[2, 3] * 7]]
    post = [["José", "Arts", "Hall", *[4, 5] * 7], ["Zoë", "Arts", "Hall\x92s", *[3, 4] * 7]]
    out["stray_byte_pre_utf8.csv"] = utf8(csv_text([per_wave, *pre]))
    out["stray_byte_post.csv"] = utf8(csv_text([per_wave, *post])).replace("\x92".encode(), b"\x92")

    table = rows()
    table[0][0] = '=HYPERLINK("http://x","y")'
    table[0][3] = "=1+1"
    table[2][8] = "=1+1"
    out["formula_cells.csv"] = utf8(standard(table))

    lines = csv_text([HEADER, *rows()], newline="\r\n").split("\r\n")
    blank = "," * (len(HEADER) - 1)
    body = [lines[0], "", lines[1], lines[2], blank, "", lines[3], "  ", lines[4], lines[5]]
    body += [lines[6], "", blank, ""]
    out["crlf_blank_lines.csv"] = utf8("\r\n".join(body))

    table = [[*r, "", "", ""] for r in rows()]
    out["trailing_empty_columns.csv"] = utf8(standard(table, [*HEADER, "", "", ""]))

    text = standard().splitlines()
    text[3] = ",".join(text[3].split(",")[:16])  # R2 baseline cut after item 11
    out["short_row.csv"] = utf8("\n".join(text) + "\n")
    text = standard().splitlines()
    text[3] += ",extra,fields"
    out["extra_fields.csv"] = utf8("\n".join(text) + "\n")
    text = standard().splitlines()
    text[4] = text[4].replace("Waiting list", '"Waiting list', 1)
    out["unterminated_quote.csv"] = utf8("\n".join(text) + "\n")

    table = rows()
    table[0][0] = table[1][0] = "José"
    table[2][0] = table[3][0] = "😀42"
    table[4][0] = table[5][0] = " 李雷 "
    out["unicode_ids.csv"] = utf8(standard(table))

    table = rows()
    table[0][5:] = [
        "  Some of the time ",  # 3
        "OFTEN",  # 4
        "some   of the\ttime",  # 3
        "Often\u00a0",  # 4
        "4 - Often",  # 4
        "3) Some of the time",  # 3
        " 3",
        "4 ",
        "3",
        "4",
        "3",
        "4",
        "3",
        "All of the time ",  # 5
    ]  # total 50
    table[2][1] = "  pre "
    table[2][2] = " WAITING  LIST "
    out["label_spacing.csv"] = utf8(standard(table))

    table = rows()
    table[5][1] = "Week 9"
    out["unknown_wave_label.csv"] = utf8(standard(table))

    table = rows()
    table[0][8] = 0
    table[2][9] = 6
    out["item_codes_0_and_6.csv"] = utf8(standard(table))
    table = rows()
    table[2][5] = 0  # R2 baseline: item 1 is in WEMWBS and in the SWEMWBS derived from it
    out["no_instrument_scored.csv"] = utf8(standard(table))
    table = rows()
    table[0][8] = -1
    table[2][9] = "-2"
    table[4][12] = -9  # a declared missing code
    out["negative_codes.csv"] = utf8(standard(table))

    table = rows()
    for row, word in zip(table, ["NaN", "null", "-", ".", "NULL", "#N/A"], strict=True):
        row[5 + 7] = word
    out["nan_null_text.csv"] = utf8(standard(table))

    table = rows()
    table.append(list(ROWS[0]))  # an identical copy of R1's baseline (row 8)
    table.append(["R2", "Post", "Waiting list", "Library", "2026-04-12", *[3, 2] * 7])  # row 9
    table.append(["", "Pre", "Arts", "Hall", "2026-01-20", *[3] * 7, *[4] * 7])  # row 10
    table.append(["  ", "Post", "Arts", "Hall", "2026-04-20", *[3] * 7, *[4] * 7])  # row 11
    out["record_problems.csv"] = utf8(standard(table))

    table = rows()
    table[0][4] = "03/02/2026"  # 3 February (UK)
    table[1][4] = "31/12/2026"
    table[2][4] = "31/31/2026"  # not a date
    table[3][4] = "12/05/2026"  # 12 May
    table[4][4] = "2026-01-15"
    table[5][4] = "15-04-2026"
    out["uk_dates.csv"] = utf8(standard(table))

    table = rows()
    table[0][4] = "2026-01-10"
    table[1][4] = "2026-04-10T10:30:00"
    table[2][4] = "2026-01-12 09:15"
    table[3][4] = "2026-04-12T23:59:59Z"
    out["iso_dates.csv"] = utf8(standard(table))

    table = rows()
    table[2][4] = "01/13/2026"  # a US date in a UK (day-first) export: month 13
    out["us_date_in_uk_file.csv"] = utf8(standard(table))

    table = rows()
    table[1][2] = "Arts on prescription"
    out["unknown_group.csv"] = utf8(standard(table))

    table = rows()
    table[1][4] = "2025-12-01"  # R1 post dated before R1 baseline
    table.append(["R9", "Post", "Arts", "Hall", "2026-04-20", *[3, 4] * 7])  # orphan, row 8
    out["longitudinal_problems.csv"] = utf8(standard(table))

    # every baseline answers the items in one consistent pattern: the sample's Cronbach's
    # alpha is 1 (in floating point, a hair above 1)
    table = [
        ["C1", "Pre", "Arts", "Hall", "2026-01-10", *[3, 4] * 7],
        ["C1", "Post", "Arts", "Hall", "2026-04-10", *[4, 5] * 7],
        ["C2", "Pre", "Arts", "Hall", "2026-01-12", *[1, 2] * 7],
        ["C2", "Post", "Arts", "Hall", "2026-04-12", *[2, 3] * 7],
        ["C3", "Pre", "Arts", "Hall", "2026-01-14", *[2, 3] * 7],
        ["C3", "Post", "Arts", "Hall", "2026-04-14", *[3, 4] * 7],
    ]
    out["consistent_answers.csv"] = utf8(standard(table))

    # everyone gives the same answer to every item; only three people return the follow-up
    table = [[f"S{i}", "Pre", "Arts", "Hall", "2026-01-10", *[3] * 14] for i in range(1, 8)]
    table += [[f"S{i}", "Post", "Arts", "Hall", "2026-04-10", *[3] * 14] for i in (1, 6, 7)]
    out["identical_answers.csv"] = utf8(standard(table))

    table = [[r[0], "", *r[2:4], *r[5:]] for r in rows()]  # no wave label at all, no dates
    out["blank_waves.csv"] = utf8(standard(table, [*HEADER[:4], *ITEMS]))
    table = rows()
    for row in table:
        row[1] = "Post"  # follow-ups only (dated): no baseline at all
    out["follow_ups_only.csv"] = utf8(standard(table))
    # GQOL 0 from everyone; three of seven return the follow-up
    table = [[f"Z{i}", "Pre", 0] for i in range(1, 8)] + [[f"Z{i}", "Post", 0] for i in (1, 6, 7)]
    out["all_zero_gqol.csv"] = utf8(standard(table, ["ID", "Time", "QoL"]))

    header = ["ID", "Time", *GHQ, "QoL"]
    ghq_rows = [
        ["G1", "Pre", *[1, 2] * 14, 99],  # 99 is a valid 0-100 answer on GQOL
        ["G1", "Post", *[2, 1] * 14, 100],
        ["G2", "Pre", 5, *[2] * 27, 50],  # GHQ code 5 on a 1-4 scale
        ["G2", "Post", *[3] * 28, 101],  # GQOL 101
        ["G3", "Pre", *[2, 3] * 14, "50.5"],  # not a whole GQOL code
        ["G3", "Post", *[2, 3] * 14, -9],  # declared missing code for GQOL
    ]
    out["ghq_gqol_codes.csv"] = utf8(standard(ghq_rows, header))

    wide = ["ID", "Arm", *[f"{q}_t1" for q in ITEMS], *[f"{q}_t2" for q in ITEMS[:-1]]]
    wide_rows = [
        ["W1", "Arts", *[3, 4] * 7, *[4, 5] * 6, 4],
        ["W2", "Arts", *[2, 3, 3, 2, 4, 1, 2, 3, 2, 2, 3, 1, 2, 4], *[""] * 13],  # no follow-up
        ["W3", "Waiting list", *[1, 3, 2, 2, 1, 4, 2, 1, 3, 1, 2, 2, 1, 3], *[2, 3] * 6, 2],
    ]
    out["wide_missing_suffix.csv"] = utf8(standard(wide_rows, wide))
    # Q14 lost its suffix: one answer, but which wave's?
    wide = ["ID", "Arm", *[f"{q}_t1" for q in ITEMS[:-1]], "Q14", *[f"{q}_t2" for q in ITEMS[:-1]]]
    wide_rows = [
        ["W1", "Arts", *[3, 4] * 6, 3, 5, *[4, 5] * 6, 4],
        ["W2", "Arts", *[2, 3] * 6, 2, 1, *[""] * 13],
    ]
    out["wide_unsuffixed_item.csv"] = utf8(standard(wide_rows, wide))
    out["wide_no_suffix.csv"] = utf8(
        standard([[r[0], r[2], *r[5:]] for r in rows()], ["ID", "Arm", *ITEMS])
    )

    header = [*HEADER, "Question 1"]
    out["two_headers_one_item.csv"] = utf8(standard([[*r, 3] for r in rows()], header))
    out["standard.csv"] = utf8(standard())

    out["utf16.csv"] = standard().encode("utf-16")
    out["report.pdf"] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    return out


def excel_cases(folder: Path) -> list[str]:
    """Write the workbook cases; return their file names."""
    from datetime import datetime

    names = []

    def add(name: str, writer: Callable[[Path], None]) -> None:
        writer(folder / name)
        names.append(name)

    def numbers(table):
        return [[*r[:5], *(int(v) for v in r[5:])] for r in table]

    # a title row, a merged group-header row, then the real header on row 3
    title = ["Wellbeing survey export (generated 2026-05-01)"]
    groups = ["Participant", None, None, None, None, "WEMWBS", *[None] * 13]
    table = [title, groups, HEADER, *numbers(rows())]
    merges = {"Export": ["A1:S1", "A2:E2", "F2:S2"]}
    add("multirow_header.xlsx", lambda p: write_xlsx(p, {"Export": table}, merges))

    table = numbers(rows())
    table[0][4] = datetime(2026, 2, 3)  # a date cell
    table[1][4] = 46120  # a date serial stored as a number: 2026-04-08
    table[2][4] = "03/02/2026"  # UK text date
    table[3][4] = "46125"  # a serial stored as text: 2026-04-13
    table[4][4] = datetime(2026, 1, 15, 14, 30)
    table[5][4] = "15/04/2026"
    add("excel_dates.xlsx", lambda p: write_xlsx(p, {"Returns": [HEADER, *table]}))

    table = numbers(rows())
    table[0][0], table[1][0] = 1001, 1001.0  # numeric ids
    table[0][5:] = ["3", "4.0", 3.0, "4", " 3", "4 ", *table[0][11:]]  # numbers as text
    table[2][8] = True  # a boolean cell in an item
    table[3][9] = datetime(2026, 1, 1)  # a date cell in an item
    add("numbers_as_text.xlsx", lambda p: write_xlsx(p, {"Returns": [HEADER, *table]}))

    table = numbers(rows())
    table[0][0] = '=HYPERLINK("http://x","y")'
    table[0][3] = "=1+1"
    table[2][8] = "=1+1"
    add("formula_cells.xlsx", lambda p: write_xlsx(p, {"Returns": [HEADER, *table]}))

    add("empty_sheet.xlsx", lambda p: write_xlsx(p, {"Returns": []}))
    add("short_sheet.xlsx", lambda p: write_xlsx(p, {"Returns": [HEADER, *numbers(rows())]}))
    add(
        "two_sheets.xlsx",
        lambda p: write_xlsx(p, {"Notes": [["cover sheet"]], "Data": [HEADER, *numbers(rows())]}),
    )

    (folder / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    names.append("corrupt.xlsx")
    rng = random.Random(SEED + 1)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256) for _ in range(4088))
    (folder / "encrypted.xlsx").write_bytes(ole)
    names.append("encrypted.xlsx")
    return names


def spss_cases(folder: Path) -> list[str]:
    """Write the SPSS cases; return their file names."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "id": [1.0, 1.0, 2.0, 2.0, 3.0, 3.0],
            "timepoint": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
        }
    )
    labels: dict[str, dict[float, str]] = {"timepoint": {1.0: "Pre", 2.0: "Post"}}
    # R1's baseline has code 3 only outside the 7 SWEMWBS items (1, 2, 3, 6, 7, 9, 11)
    answers = [
        [4, 5, 4, 3, 3, 4, 5, 3, 4, 3, 5, 3, 3, 3],
        [4, 5] * 7,
        [1, 2] * 7,
        [2, 4] * 7,
        [5, 4] * 7,
        [4, 5] * 7,
    ]
    for i in range(14):
        frame[f"wem{i + 1}"] = [float(a[i]) for a in answers]
        # a tool whose labels are not WEMWBS's: 3 is "Quite a bit"
        labels[f"wem{i + 1}"] = {
            1.0: "None of the time",
            2.0: "Rarely",
            3.0: "Quite a bit",
            4.0: "Often",
            5.0: "All of the time",
        }
    write_sav(folder / "unexpected_labels.sav", frame, labels)
    rng = random.Random(SEED + 2)
    junk = b"$FL2" + bytes(rng.randrange(256) for _ in range(300))
    (folder / "corrupt.sav").write_bytes(junk)
    return ["unexpected_labels.sav", "corrupt.sav"]


def build(folder: Path) -> list[str]:
    """Write every case file into ``folder``; return the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, data in text_cases().items():
        (folder / name).write_bytes(data)
        names.append(name)
    names += excel_cases(folder)
    names += spss_cases(folder)
    return sorted(names)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "files"
    written = build(target)
    print(f"wrote {len(written)} files to {target}")
