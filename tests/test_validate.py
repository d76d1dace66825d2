from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputFileError
from pipeline.ingest import ISSUE_COLUMNS
from pipeline.validate import validate_items


def _items(**over):
    frame = pd.DataFrame(
        {
            "respondent_id": ["1", "1", "2"],
            "wave": ["baseline", "baseline", "baseline"],
            "gqol_1": [50.0, 50.0, 120.0],
            "source_file": "f.csv",
            "source_sheet": "",
            "source_row": [2, 3, 4],
        }
    )
    return frame.assign(**over)


def test_flags_out_of_range_and_duplicates(instruments):
    issues = pd.DataFrame(columns=list(ISSUE_COLUMNS))
    items, flags, summary = validate_items(_items(), issues, instruments)
    assert len(items) == 3  # nothing is dropped in this version
    assert sorted(zip(flags["code"], flags["source_row"], strict=True)) == [
        ("duplicate_key", 2),
        ("duplicate_key", 3),
        ("out_of_range", 4),
    ]
    assert flags.loc[flags.code == "out_of_range", "value"].item() == "120.0"
    assert summary == {
        "records": 3,
        "records_flagged": 3,
        "flags": {"duplicate_key": 2, "out_of_range": 1},
    }


def test_clean_items_have_no_flags(instruments):
    clean = _items(respondent_id=["1", "2", "3"], gqol_1=[0.0, 100.0, np.nan])
    _, flags, summary = validate_items(
        clean, pd.DataFrame(columns=list(ISSUE_COLUMNS)), instruments
    )
    assert flags.empty and summary["flags"] == {}


def test_empty_items_block(instruments):
    with pytest.raises(InputFileError, match="no survey records"):
        validate_items(_items().iloc[0:0], pd.DataFrame(columns=list(ISSUE_COLUMNS)), instruments)
