"""Report stage: a self-contained HTML summary rendered with Jinja2.

The report shows only what earlier stages computed; no statistic is computed
here or in the templates. It carries no respondent identifiers, and any cell
describing fewer than ``min_cell`` people is suppressed.

This first version is an interim summary of what was read, flagged and scored,
with descriptive statistics; the evidence report follows (see the changelog).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from pipeline import __version__
from pipeline.instruments import Instrument
from pipeline.score import scored_instruments

TEMPLATES = Path(__file__).resolve().parent.parent / "reports"
DEFAULT_MIN_CELL = 5


@dataclass(frozen=True)
class ReportContext:
    """Every variable the report template uses."""

    title: str = field(metadata={"help": "Scheme name from the study configuration"})
    generated: str = field(metadata={"help": "Date and time the report was rendered"})
    version: str = field(metadata={"help": "Pipeline version"})
    min_cell: int = field(metadata={"help": "Counts below this are suppressed"})
    records: list[dict[str, Any]] = field(metadata={"help": "Records by wave and group"})
    files: list[dict[str, Any]] = field(metadata={"help": "Input files with rows read"})
    flags: list[dict[str, Any]] = field(metadata={"help": "Flag counts by reason code"})
    returns: dict[str, Any] = field(
        metadata={"help": "Returns received, used and set aside (by reason), counts suppressed"}
    )
    instruments: list[dict[str, Any]] = field(metadata={"help": "Instruments scored"})
    outcomes: list[dict[str, Any]] = field(
        metadata={"help": "Primary score of each instrument: label, scale and rows by wave/group"}
    )


def _fmt(value: float, digits: int = 1) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.{digits}f}"
    )


def _count(n: int, min_cell: int) -> str:
    return f"<{min_cell}" if 0 < n < min_cell else str(n)


def build_context(
    descriptives: pd.DataFrame,
    scores: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    ingest_summary: Mapping[str, Any],
    validation_summary: Mapping[str, Any],
    title: str,
    generated: str,
    order: Mapping[str, list[str]] | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
) -> ReportContext:
    """Assemble the report context from stage outputs, suppressing small counts.

    Parameters
    ----------
    descriptives : pandas.DataFrame
        The analyse stage's descriptives.
    scores : pandas.DataFrame
        The score stage's output (for record counts and statuses only).
    instruments : mapping of str to Instrument
        Definitions present in the scores.
    ingest_summary, validation_summary : mapping
        The JSON summaries written by ingest and validate.
    title, generated : str
        Scheme name and timestamp.
    order : mapping, optional
        ``{"wave": [...], "group": [...]}``: the study's order for rows.
    min_cell : int
        Smallest count shown; smaller ones read ``<min_cell`` and their
        statistics are withheld.

    Returns
    -------
    ReportContext
    """
    by = ["wave"] + (["group"] if "group" in scores else [])
    counts = scores.groupby(by, dropna=False, sort=False).size().reset_index(name="n")
    order = order or {}
    counts = counts.sort_values(
        by, key=lambda col: col.map({v: i for i, v in enumerate(order.get(col.name, []))})
    )
    records = [
        {"wave": r["wave"], "group": r.get("group", "all"), "n": _count(int(r["n"]), min_cell)}
        for r in counts.to_dict("records")
    ]
    present = scored_instruments(scores, instruments)
    inst_rows = []
    for inst in present:
        status = scores[f"{inst.id}_status"].value_counts()
        inst_rows.append(
            {
                "id": inst.id,
                "name": inst.name,
                "version": inst.version,
                "missing_rule": inst.missing.describe(),
                "status": {k: _count(int(v), min_cell) for k, v in status.items()},
                "unconfirmed": inst.unconfirmed_facts(),
            }
        )
    primary = {s.id: s for i in present for s in i.scores if s.primary}
    rank = {sid: k for k, sid in enumerate(primary)}
    chosen = descriptives[descriptives["score"].isin(primary)]
    chosen = chosen.iloc[chosen["score"].map(rank).argsort(kind="stable")]
    outcomes: dict[str, dict[str, Any]] = {}
    for r in chosen.to_dict("records"):
        small = r["n"] < min_cell
        spec = primary[r["score"]]
        entry = outcomes.setdefault(
            spec.id,
            {
                "score": spec.label,
                "scale": f"{spec.range[0]:g} to {spec.range[1]:g}, higher is {spec.higher_is}",
                "rows": [],
            },
        )
        entry["rows"].append(
            {
                "wave": r["wave"],
                "group": r["group"],
                "n": _count(int(r["n"]), min_cell),
                "mean_sd": "suppressed" if small else f"{_fmt(r['mean'])} ({_fmt(r['sd'])})",
                "median_iqr": "suppressed"
                if small
                else f"{_fmt(r['median'])} ({_fmt(r['q1'])} to {_fmt(r['q3'])})",
            }
        )
    files = [
        {"file": Path(f["file"]).name, "rows": _count(f["rows_read"], min_cell)}
        for f in ingest_summary.get("files", [])
    ]
    flags = [
        {"code": k, "n": _count(int(v), min_cell)}
        for k, v in validation_summary.get("flags", {}).items()
    ]
    returns = {
        "received": _count(int(validation_summary.get("records", 0)), min_cell),
        "used": _count(int(validation_summary.get("used", 0)), min_cell),
        "quarantined": _count(int(validation_summary.get("quarantined", 0)), min_cell),
        "by_reason": [
            {"code": k, "n": _count(int(v), min_cell)}
            for k, v in validation_summary.get("quarantined_by_reason", {}).items()
        ],
    }
    return ReportContext(
        title=title,
        generated=generated,
        version=__version__,
        min_cell=min_cell,
        records=records,
        files=files,
        flags=flags,
        returns=returns,
        instruments=inst_rows,
        outcomes=list(outcomes.values()),
    )


def environment(templates: Path = TEMPLATES) -> jinja2.Environment:
    """Return the Jinja2 environment: autoescape on, undefined variables an error."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_report(context: ReportContext, templates: Path = TEMPLATES) -> str:
    """Render the report to a self-contained HTML string (CSS inlined)."""
    env = environment(templates)
    css = (templates / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(ctx=context, css=css)
