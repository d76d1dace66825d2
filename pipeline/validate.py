"""Validate stage: row-level checks on the items table before scoring.

This first version checks with pandas and flags; it quarantines nothing, so
every ingested record goes on to scoring. The Great Expectations gate, reason
codes that quarantine, participant flow and response metrics replace it (see
the changelog). Flags written now:

``missing_id``, ``unknown_wave``, ``unknown_group``, ``unparseable_date``, ``unknown_label``
    Passed on from ingest.
``out_of_range``
    An item holds a code outside its response scale (the instrument is not scored).
``duplicate_key``
    More than one record for the same respondent and wave.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.errors import InputFileError
from pipeline.ingest import ISSUE_COLUMNS
from pipeline.instruments import Instrument
from pipeline.score import instruments_present, invalid_codes, item_matrix


def validate_items(
    items: pd.DataFrame,
    ingest_issues: pd.DataFrame,
    instruments: Mapping[str, Instrument],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Check the items table and list flagged cells and records.

    Parameters
    ----------
    items : pandas.DataFrame
        The ingest stage's items table.
    ingest_issues : pandas.DataFrame
        Cell-level issues found by ingest.
    instruments : mapping of str to Instrument
        Definitions (response scales give the valid codes).

    Returns
    -------
    items : pandas.DataFrame
        The records to score (all of them, in this version).
    flags : pandas.DataFrame
        One row per flagged cell or record, with a reason code.
    summary : dict
        Counts of records and of flags by code.

    Raises
    ------
    InputFileError
        If there is nothing to validate.
    """
    if items.empty:
        raise InputFileError("the inputs hold no survey records; nothing to validate")
    keys = ["source_file", "source_sheet", "source_row", "respondent_id", "wave"]
    flags = [ingest_issues]
    for inst in instruments_present(items, instruments):
        matrix = item_matrix(items, inst)
        bad = invalid_codes(matrix, inst)
        long = bad.stack()
        long = long[long]
        if long.empty:
            continue
        rows, cols = long.index.get_level_values(0), long.index.get_level_values(1)
        sub = items.loc[rows, keys].reset_index(drop=True)
        sub["column"] = list(cols)
        sub["value"] = matrix.stack().loc[long.index].astype("string").to_numpy()
        sub["code"] = "out_of_range"
        sub["message"] = f"code outside the {inst.id} response scale; {inst.id} is not scored"
        flags.append(sub)
    dup = items.duplicated(["respondent_id", "wave"], keep=False) & items["respondent_id"].notna()
    if dup.any():
        sub = items.loc[dup, keys].copy()
        sub["column"] = "respondent_id, wave"
        sub["value"] = sub["respondent_id"].astype("string") + " / " + sub["wave"].astype("string")
        sub["code"] = "duplicate_key"
        sub["message"] = "more than one record for this respondent and wave"
        flags.append(sub)
    non_empty = [f[list(ISSUE_COLUMNS)] for f in flags if not f.empty]
    flag_frame = (
        pd.concat(non_empty, ignore_index=True)
        if non_empty
        else pd.DataFrame(columns=list(ISSUE_COLUMNS), dtype="string")
    )
    summary = {
        "records": len(items),
        "records_flagged": int(
            flag_frame[["source_file", "source_sheet", "source_row"]].drop_duplicates().shape[0]
        ),
        "flags": flag_frame["code"].value_counts().sort_index().to_dict(),
    }
    return items, flag_frame, summary
