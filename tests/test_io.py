"""Reading delimited exports: the fast (Arrow) and tolerant (pandas) readers agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import io
from pipeline.config import SourceSpec

TRICKY = (
    "id,wave,site,note,score\r\n"
    'P1,baseline,"Caf\u00e9, Arts Hub","said ""fine""",4\r\n'
    'P2,post,  Riverside  ,"two\nlines",\r\n'
    "P3,baseline,,=SUM(A1),  5 \r\n"
    ",,,,\r\n"
    "P4,post,\u00c5rhus,\u2019quoted\u2019,3"
)


def _read(tmp_path, text: bytes, header_row: int = 1) -> io.RawTable:
    path = tmp_path / "export.csv"
    path.write_bytes(text)
    return io.read_csv(SourceSpec(path=path, header_row=header_row))


def test_fast_and_tolerant_readers_give_the_same_cells(tmp_path):
    body = TRICKY.encode("utf-8")
    fast = io._fast_frame(body, ["id", "wave", "site", "note", "score"], ",")
    assert fast is not None, "the fast reader should accept a well-formed UTF-8 file"
    tolerant, encoding = io._tolerant_frame(body, tmp_path / "x.csv", 0, ",")
    assert encoding == "utf-8"
    pd.testing.assert_frame_equal(fast, tolerant, check_dtype=False)
    table = _read(tmp_path, body)
    assert len(table.frame) == 4  # the all-blank row is dropped ...
    np.testing.assert_array_equal(table.rows, [2, 3, 4, 6])  # ... and row numbers kept
    assert table.frame.loc[1, "note"] == "two\nlines"
    assert table.frame.loc[1, "site"] == "  Riverside  "  # cells are kept verbatim


def test_blank_lines_keep_their_row_numbers(tmp_path):
    text = b"id,wave,score\nP1,baseline,4\n\nP2,post,5\n"
    assert io._fast_frame(text, ["id", "wave", "score"], ",") is None  # left to pandas
    table = _read(tmp_path, text)
    assert table.frame["id"].tolist() == ["P1", "P2"]
    np.testing.assert_array_equal(table.rows, [2, 4])


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("id;wave;site\nP1;baseline;Caf\u00e9\n".encode("cp1252"), "cp1252"),
        (b"\xef\xbb\xbfid,wave,site\nP1,baseline,Caf\xc3\xa9\n", "utf-8-sig"),
        (b"id,wave,site\nP1,baseline,Caf\xc3\xa9\nP2,post,Caf\xe9\n", "utf-8 with 1 Windows-1252"),
    ],
)
def test_encodings_are_read_and_reported(tmp_path, text, encoding):
    table = _read(tmp_path, text)
    assert table.encoding.startswith(encoding)
    assert table.frame.loc[0, "site"] == "Caf\u00e9"
    assert set(table.frame.columns) == {"id", "wave", "site"}


def test_header_row_below_a_title_line(tmp_path):
    table = _read(tmp_path, b"Survey export 2026\nid,wave\nP1,baseline\n", header_row=2)
    assert list(table.frame.columns) == ["id", "wave"]
    np.testing.assert_array_equal(table.rows, [3])


def test_ragged_rows_fall_back_to_the_tolerant_reader(tmp_path):
    text = b"id,wave,score\nP1,baseline\nP2,post,5\n"
    assert io._fast_frame(text, ["id", "wave", "score"], ",") is None
    table = _read(tmp_path, text)
    assert table.frame["id"].tolist() == ["P1", "P2"]


@pytest.mark.parametrize("newline", [b"\r", b"\r\n", b"\n"])
def test_every_line_ending_is_understood(tmp_path, newline):
    text = newline.join([b"title", b"id,wave,score", b"P1,baseline,4", b"P2,post,5", b""])
    table = _read(tmp_path, text, header_row=2)
    assert list(table.frame.columns) == ["id", "wave", "score"]
    assert table.frame["score"].tolist() == ["4", "5"]
    np.testing.assert_array_equal(table.rows, [3, 4])
