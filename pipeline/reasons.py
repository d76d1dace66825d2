"""Reason codes for flagged and quarantined returns, with their default actions.

Every problem the pipeline finds in the data has one code from this table. The
action taken for it can be changed in the run configuration
(``validate.actions``), within the actions the code allows:

``quarantine``
    the whole return is set aside (written to ``quarantine.csv``, not scored);
``set_missing``
    only the offending cell is blanked; the return is used;
``flag``
    the return is used as it is, and the flag is listed in ``flags.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """One reason code: what it means, where it applies and how to fix the data."""

    code: str
    level: str  # "record", "cell" or "instrument"
    default: str
    allowed: tuple[str, ...]
    meaning: str
    fix: str


_CELL = ("set_missing", "quarantine", "flag")
_RECORD = ("quarantine", "flag")

REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason(
            "missing_id",
            "record",
            "quarantine",
            ("quarantine",),
            "the return has no respondent id, so it cannot be linked to other waves",
            "fill in the id from the paper form or the survey tool",
        ),
        Reason(
            "unknown_wave",
            "record",
            "quarantine",
            ("quarantine",),
            "the wave label is not one of the study's waves",
            "add the label under waves in the mapping file, or correct the cell",
        ),
        Reason(
            "exact_duplicate",
            "record",
            "quarantine",
            ("quarantine", "flag"),
            "a second identical copy of a return (the first copy is used)",
            "remove the copy from the export",
        ),
        Reason(
            "conflicting_duplicate",
            "record",
            "quarantine",
            ("quarantine",),
            "two or more returns for the same respondent and wave with different answers; "
            "all copies are set aside because the right one cannot be told",
            "keep the correct return and delete the others, or fix the id or wave",
        ),
        Reason(
            "empty_return",
            "record",
            "quarantine",
            ("quarantine",),
            "no questionnaire item was answered",
            "check the export kept the answers; otherwise remove the row",
        ),
        Reason(
            "too_many_missing",
            "instrument",
            "flag",
            ("flag", "quarantine"),
            "more items are missing than the instrument's missing-item rule allows, so that "
            "instrument (or some of its subscales) is not scored for this return; a return "
            "with no instrument scored at all is quarantined",
            "check the paper form for answers not typed in; consider a prorating rule",
        ),
        Reason(
            "straight_lining",
            "instrument",
            "flag",
            ("flag", "quarantine"),
            "every item of a multi-item instrument has the same answer",
            "check the form: it may be genuine, careless, or a data-entry error",
        ),
        Reason(
            "orphan_follow_up",
            "record",
            "quarantine",
            ("quarantine", "flag"),
            "a follow-up return whose respondent has no usable baseline return",
            "find the baseline return or check the respondent id",
        ),
        Reason(
            "follow_up_before_baseline",
            "record",
            "quarantine",
            ("quarantine", "flag"),
            "a follow-up return dated before the respondent's baseline return",
            "correct the date or the wave label",
        ),
        Reason(
            "out_of_range",
            "cell",
            "set_missing",
            _CELL,
            "an item holds a code outside its response scale",
            "correct the cell, or map the survey tool's codes in the mapping file",
        ),
        Reason(
            "unknown_label",
            "cell",
            "set_missing",
            _CELL,
            "an item holds text that is neither a code nor a known response label",
            "add the label under labels in the mapping file, or correct the cell",
        ),
        Reason(
            "unknown_group",
            "cell",
            "set_missing",
            _CELL,
            "the group label is not one of the study's groups",
            "add the label under groups in the mapping file, or correct the cell",
        ),
        Reason(
            "unparseable_date",
            "cell",
            "set_missing",
            _CELL,
            "the date cannot be read",
            "use YYYY-MM-DD or DD/MM/YYYY (set dates.dayfirst in the mapping for US dates)",
        ),
    )
}

# When a return has several quarantining reasons, the participant flow counts it under
# the first of these.
PRIORITY = (
    "missing_id",
    "unknown_wave",
    "conflicting_duplicate",
    "exact_duplicate",
    "empty_return",
    "too_many_missing",
    "out_of_range",
    "unknown_label",
    "unknown_group",
    "unparseable_date",
    "straight_lining",
    "follow_up_before_baseline",
    "orphan_follow_up",
)
