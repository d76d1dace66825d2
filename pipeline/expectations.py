"""Great Expectations adapter: the only module that imports ``great_expectations``.

The validate stage describes what it wants checked as library-neutral
:class:`Check` objects; :func:`run_checks` turns them into a GX Core 1.x
expectation suite, runs it on an in-memory (ephemeral) context, and maps every
result back to row positions and to our reason codes. Nothing is written to
disk here and GX sends nothing over the network (its analytics are switched off
and the ephemeral context makes no files).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Check:
    """One expectation, described without reference to the library.

    Parameters
    ----------
    kind : str
        ``exists``, ``not_null``, ``in_set``, ``between`` or ``unique``.
    column : str or tuple of str
        The column, or columns for ``unique``.
    code : str
        Our reason code for rows that fail it.
    values : tuple, optional
        The allowed values for ``in_set``.
    low, high : float, optional
        Bounds for ``between`` (inclusive).
    table : str
        Which of the tables passed to :func:`run_checks` the check applies to.
    """

    kind: str
    column: str | tuple[str, ...]
    code: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None
    table: str = "returns"


@dataclass
class CheckOutcome:
    """The result of one check: success and the row positions that failed it."""

    check: Check
    success: bool
    rows: np.ndarray
    unexpected_count: int


@dataclass
class GateResult:
    """All check outcomes plus GX's own validation result, as JSON-safe data."""

    outcomes: list[CheckOutcome] = field(default_factory=list)
    result_json: dict[str, Any] = field(default_factory=dict)


def _expectation(check: Check, position: int):
    """Build the GX expectation; ``meta`` carries the position, as GX reorders results."""
    import great_expectations.expectations as gxe

    meta = {"check": position, "reason_code": check.code}
    if check.kind == "exists":
        return gxe.ExpectColumnToExist(column=check.column, meta=meta)
    if check.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=check.column, meta=meta)
    if check.kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(
            column=check.column, value_set=list(check.values), meta=meta
        )
    if check.kind == "between":
        return gxe.ExpectColumnValuesToBeBetween(
            column=check.column, min_value=check.low, max_value=check.high, meta=meta
        )
    if check.kind == "unique":
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(check.column), meta=meta)
    raise ValueError(f"unknown check kind {check.kind!r}")


def run_checks(tables: Mapping[str, pd.DataFrame], checks: list[Check]) -> GateResult:
    """Run checks with Great Expectations and map failures back to row positions.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The tables to check, by name; row positions are reported, so pass frames
        whose order you can map back.
    checks : list of Check
        What to check; each names its table.

    Returns
    -------
    GateResult
        One outcome per check, in the order given, and GX's results by table.
    """
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="survey")
    results: dict[int, Any] = {}
    result_json = {}
    for name, frame in tables.items():
        positions = [i for i, c in enumerate(checks) if c.table == name]
        if not positions:
            continue
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(
            name=f"{name}_all_rows"
        )
        suite = gx.ExpectationSuite(name=name)
        for position in positions:
            suite.add_expectation(_expectation(checks[position], position))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=f"{name}_definition", data=batch, suite=context.suites.add(suite)
            )
        )
        run = definition.run(
            batch_parameters={"dataframe": frame.reset_index(drop=True)},
            result_format={"result_format": "COMPLETE", "include_unexpected_rows": False},
        )
        results.update({int(r.expectation_config.meta["check"]): r for r in run.results})
        result_json[name] = _compact(run.to_json_dict())
    if sorted(results) != list(range(len(checks))):
        raise RuntimeError("Great Expectations returned results that do not match the suite")
    outcomes = []
    for position, check in enumerate(checks):
        res = results[position]
        detail = res.result or {}
        rows = np.asarray(detail.get("unexpected_index_list") or [], dtype="int64")
        if (res.exception_info or {}).get("raised_exception", False):
            message = (res.exception_info or {}).get("exception_message", "")
            raise RuntimeError(f"expectation on {check.column} could not run: {message}")
        outcomes.append(
            CheckOutcome(
                check,
                bool(res.success),
                np.unique(rows),
                int(detail.get("unexpected_count") or 0),
            )
        )
    return GateResult(outcomes, result_json)


def _compact(result: dict[str, Any]) -> dict[str, Any]:
    """Drop per-row lists from GX's result: row-level detail lives in our flags table."""
    for res in result.get("results", []):
        detail = res.get("result") or {}
        for key in (
            "unexpected_index_list",
            "partial_unexpected_index_list",
            "unexpected_list",
            "partial_unexpected_list",
            "partial_unexpected_counts",
            "unexpected_index_query",
        ):
            detail.pop(key, None)
    return result
