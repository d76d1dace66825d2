"""Command line: ``wellbeing`` (or ``python -m pipeline``).

Each stage subcommand reads the previous stage's outputs from the output
folder, calls the stage's pure function, and writes its own outputs there:

========== ============================================================
ingest     items.parquet, raw_rows.parquet, ingest_issues.csv, ingest_summary.json
validate   validated_items.parquet, quarantine.csv, flags.csv, returns.csv,
           flow.json, response.csv, item_missingness.csv, quality.json,
           gx_validation.json, validation_summary.json
score      scores.parquet, scores.csv
analyse    statistics.csv, results.json, descriptives.csv, attrition.csv
report     report.html
========== ============================================================

Exit codes: 0 success; 1 a data problem blocked the run; 2 a configuration or
instrument-definition problem; 3 an unexpected internal error (a bug: rerun
with ``--debug`` for the traceback and report it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pipeline import __version__
from pipeline.errors import PipelineError

STAGES = ("ingest", "validate", "score", "analyse", "report")


def _log(args: argparse.Namespace, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def _config(args: argparse.Namespace):
    from pipeline.config import load_config

    return load_config(args.config, args.out)


def _id_key(cfg) -> str | None:
    """Return the pseudonymisation key from the environment when the config asks for it."""
    import os

    from pipeline.errors import ConfigError

    section = cfg.raw["ingest"]
    if not section.get("pseudonymise_ids"):
        return None
    name = section.get("id_key_env", "WELLBEING_ID_KEY")
    key = os.environ.get(name, "")
    if len(key) < 16:
        raise ConfigError(
            f"pseudonymise_ids is on, but the environment variable {name} does not hold a key "
            "of at least 16 characters; set it (and keep it secret: it is never written out)",
            file=cfg.path,
            location="ingest.pseudonymise_ids",
        )
    return key


def run_ingest(args: argparse.Namespace) -> None:
    """Read every source, map it to canonical columns and write the items table."""
    from pipeline import io
    from pipeline.config import configured_instruments
    from pipeline.ingest import ingest

    cfg = _config(args)
    instruments = configured_instruments(cfg)
    tables = [io.read_source(s, cfg.mapping.use_value_labels) for s in cfg.sources]
    result = ingest(tables, cfg.mapping, cfg.study, instruments, _id_key(cfg), cfg.path)
    out = cfg.output_dir
    io.write_parquet(result.items, out / "items.parquet")
    io.write_parquet(result.raw, out / "raw_rows.parquet")
    io.write_csv(result.issues, out / "ingest_issues.csv")
    io.write_json(result.summary, out / "ingest_summary.json")
    rows = sum(f["rows_read"] for f in result.summary["files"])
    _log(
        args,
        f"ingest: {rows} rows from {len(tables)} file(s) -> {len(result.items)} records, "
        f"{len(result.issues)} cell issue(s)",
    )


def run_validate(args: argparse.Namespace) -> None:
    """Run the data-quality gate: flags, quarantine, participant flow and response."""
    import pandas as pd

    from pipeline import io
    from pipeline.config import configured_instruments
    from pipeline.errors import InputFileError
    from pipeline.flow import item_missingness, participant_flow, quality_summary, response_rates
    from pipeline.validate import validate_items, with_original_cells

    cfg = _config(args)
    out = cfg.output_dir
    instruments = configured_instruments(cfg)
    items = io.read_parquet(out / "items.parquet", "ingest")
    issues = pd.read_csv(out / "ingest_issues.csv", dtype={"value": "string"})
    result = validate_items(items, issues, instruments, cfg.study, cfg.validate)
    rows = result.quarantine["source_row"].unique().tolist()  # read only the rows needed
    raw = io.read_parquet(out / "raw_rows.parquet", "ingest", filters=[("source_row", "in", rows)])
    quarantine = with_original_cells(result.quarantine, raw)
    flow = participant_flow(result.records, result.scores, cfg.study, instruments)
    response = response_rates(result.records, cfg.study)
    quality = quality_summary(flow, response, cfg.validate)
    io.write_parquet(result.items, out / "validated_items.parquet")
    io.write_csv(quarantine, out / "quarantine.csv")
    io.write_csv(result.flags, out / "flags.csv")
    io.write_csv(result.records, out / "returns.csv")
    io.write_json(result.gx_result, out / "gx_validation.json")
    io.write_json(flow, out / "flow.json")
    io.write_csv(response, out / "response.csv")
    cohorts = response[response["dimension"] == "cohort"]
    io.write_csv(
        cohorts.rename(columns={"level": "cohort"})[["wave", "cohort", "response_rate"]],
        out / "response_by_cohort.csv",
    )
    io.write_csv(item_missingness(result.items, instruments), out / "item_missingness.csv")
    io.write_json(quality, out / "quality.json")
    io.write_json(result.summary, out / "validation_summary.json")
    summary = result.summary
    _log(
        args,
        f"validate: {summary['records']} returns -> {summary['used']} used, "
        f"{summary['quarantined']} quarantined"
        + "".join(f"; {k} {v}" for k, v in summary["quarantined_by_reason"].items()),
    )
    for flag in quality["low_response_flags"]:
        _log(
            args,
            f"validate: warning: {flag['kind']} at {flag['wave']}: {flag['value']:.3g} "
            f"(threshold {flag['threshold']})"
            + (f" for {flag['instrument']}" if "instrument" in flag else ""),
        )
    if result.items.empty:
        raise InputFileError(
            f"no usable returns: all {summary['records']} were quarantined; see "
            f"{out / 'quarantine.csv'} for the reasons"
        )


def run_score(args: argparse.Namespace) -> None:
    """Score every instrument present."""
    from pipeline import io
    from pipeline.config import configured_instruments
    from pipeline.score import score_items

    cfg = _config(args)
    out = cfg.output_dir
    items = io.read_parquet(out / "validated_items.parquet", "validate")
    scores = score_items(items, configured_instruments(cfg))
    io.write_parquet(scores, out / "scores.parquet")
    io.write_csv(scores, out / "scores.csv")
    status = [c for c in scores.columns if c.endswith("_status")]
    done = {c[: -len("_status")]: int((scores[c] == "scored").sum()) for c in status}
    _log(
        args,
        f"score: {len(scores)} records; fully scored: "
        + ", ".join(f"{k} {v}" for k, v in done.items()),
    )


def run_analyse(args: argparse.Namespace) -> None:
    """Run every analysis; compare completers with non-completers."""
    import numpy as np

    from pipeline import io
    from pipeline.analyse import analyse_scores
    from pipeline.attrition import attrition
    from pipeline.config import configured_instruments

    cfg = _config(args)
    out = cfg.output_dir
    instruments = configured_instruments(cfg)
    scores = io.read_parquet(out / "scores.parquet", "score")
    items = io.read_parquet(out / "validated_items.parquet", "validate")
    result = analyse_scores(scores, instruments, cfg.study, cfg.analyse, items)
    dropout = attrition(scores, instruments, cfg.study, cfg.analyse.attrition_smd_threshold)
    io.write_csv(result.statistics, out / "statistics.csv")
    io.write_csv(result.descriptives, out / "descriptives.csv")
    io.write_csv(dropout, out / "attrition.csv")
    results = dict(result.results)
    results["statistics"] = result.statistics.replace({np.nan: None}).to_dict("records")
    results["attrition"] = dropout.replace({np.nan: None}).to_dict("records")
    io.write_json(results, out / "results.json")
    io.write_json(_metrics(result, out), out / "metrics.json")
    overall = dropout[dropout["group"] == "all"]
    flagged = overall.loc[overall["differential"], "variable"].nunique()
    _log(
        args,
        f"analyse: {len(result.statistics)} estimates; differential attrition flagged on "
        f"{flagged} of {overall['variable'].nunique()} baseline variables",
    )


def _metrics(result, out: Path) -> dict:
    """Headline numbers for ``dvc metrics``: paired n, response, effect sizes, quarantined."""
    from pipeline import io

    quality = io.read_json(out / "quality.json", "validate")
    stats = result.statistics
    primary = result.results["primary_outcome"]["score"]
    picked = stats[(stats["score"] == primary) & (stats["group"] == "all")]
    metrics = {
        "quarantined": quality["returns_received"] - quality["returns_used"],
        "follow_up_response": quality["follow_up_response"],
        "primary_outcome": primary,
    }
    for analysis, term, name in (
        ("paired_change", "mean_change", "paired_n"),
        ("effect_size", "d_z", "d_z"),
        ("effect_size", "g_av", "g_av"),
        ("ancova", "group_difference", "ancova_group_difference"),
    ):
        hit = picked[(picked["analysis"] == analysis) & (picked["term"] == term)]
        if len(hit):
            value = hit["n" if name == "paired_n" else "estimate"].iloc[0]
            metrics[name] = None if value != value else round(float(value), 6)
    return metrics


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _provenance(cfg, instruments) -> dict[str, str]:
    import platform
    from importlib import metadata

    out = {"pipeline": __version__, "python": platform.python_version()}
    for package in ("pandas", "numpy", "scipy", "statsmodels", "great-expectations", "jinja2"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    for inst in instruments.values():
        out[f"instrument {inst.id}"] = f"version {inst.version}"
    out[f"config {Path(cfg.path).name} (sha256)"] = _sha256(Path(cfg.path))
    out[f"mapping {Path(cfg.mapping.path).name} (sha256)"] = _sha256(Path(cfg.mapping.path))
    for source in cfg.sources:
        out[f"input {source.path.name} (sha256)"] = _sha256(source.path)
    timing = cfg.output_dir / "timings.json"
    if timing.exists():
        for stage, seconds in json.loads(timing.read_text(encoding="utf-8")).items():
            out[f"{stage} stage (seconds)"] = f"{seconds:.1f}"
    return out


def run_report(args: argparse.Namespace) -> None:
    """Render the evidence report from the analysis outputs."""
    import pandas as pd

    from pipeline import io
    from pipeline.config import configured_instruments
    from pipeline.report import ReportInputs, build_context, render_report

    cfg = _config(args)
    out = cfg.output_dir
    instruments = configured_instruments(cfg)
    results = io.read_json(out / "results.json", "analyse")
    used = {s["instrument"] for s in results["statistics"]}
    report_options = cfg.raw.get("report") or {}
    inputs = ReportInputs(
        results=results,
        flow=io.read_json(out / "flow.json", "validate"),
        quality=io.read_json(out / "quality.json", "validate"),
        response=pd.read_csv(out / "response.csv", dtype={"level": str}),
        missingness=pd.read_csv(out / "item_missingness.csv"),
        instruments=instruments,
        title=cfg.study.name,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        provenance=_provenance(cfg, {k: v for k, v in instruments.items() if k in used}),
        randomised=cfg.study.randomised,
        min_cell=int(report_options.get("min_cell", 5)),
        paired_threshold=cfg.validate.min_paired_cases,
    )
    path = io.write_text(render_report(build_context(inputs)), out / "report.html")
    _log(args, f"report: {path}")


def _timed(stage: str, args: argparse.Namespace) -> None:
    """Run one stage and record its wall time in ``timings.json`` in the output folder."""
    import time

    from pipeline import io

    start = time.perf_counter()
    RUNNERS[stage](args)
    if getattr(args, "verbose", False):
        print(f"  {stage} took {time.perf_counter() - start:.2f} s", file=sys.stderr)
    out = _config(args).output_dir
    path = out / "timings.json"
    timings = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    timings[stage] = time.perf_counter() - start
    io.write_json(timings, path)


def run_all(args: argparse.Namespace) -> None:
    """Run every stage in order, then print a short summary of the whole run."""
    from pipeline import io

    for stage in STAGES:
        _timed(stage, args)
    out = _config(args).output_dir
    ingest = io.read_json(out / "ingest_summary.json", "ingest")
    summary = io.read_json(out / "validation_summary.json", "validate")
    metrics = io.read_json(out / "metrics.json", "analyse")
    timings = io.read_json(out / "timings.json", "run")
    rows = sum(f["rows_read"] for f in ingest["files"])
    reasons = ", ".join(f"{k} {v}" for k, v in summary["quarantined_by_reason"].items())
    lines = [
        f"read {rows} rows from {len(ingest['files'])} file(s): {summary['records']} returns",
        f"set aside {summary['quarantined']}"
        + (f" ({reasons})" if reasons else "")
        + f"; used {summary['used']}",
        f"primary outcome {metrics.get('primary_outcome')}: {int(metrics.get('paired_n') or 0)} "
        "people paired",
        f"report: {out / 'report.html'}  ({sum(timings.values()):.1f} s)",
    ]
    if not args.quiet:
        print("\n".join(["", "Summary", *[f"  {line}" for line in lines]]), file=sys.stderr)


RUNNERS = {
    "ingest": run_ingest,
    "validate": run_validate,
    "score": run_score,
    "analyse": run_analyse,
    "report": run_report,
    "run": run_all,
}


def run_instruments(args: argparse.Namespace) -> int:
    """List, show or check instrument definitions."""
    from pipeline.instruments import (
        check_files,
        definition_files,
        describe,
        load_instruments,
    )

    if args.action == "check":
        files = [Path(f) for f in args.files] or definition_files(args.dir)
        messages = check_files(files, None if args.files else args.dir)
        for message in messages:
            print(message, file=sys.stderr)
        print(f"{len(files)} file(s) checked, {len(messages)} problem(s)")
        return 2 if messages else 0
    instruments = load_instruments(args.dir)
    if args.action == "list":
        for inst in instruments.values():
            scores = ", ".join(inst.score_ids)
            print(
                f"{inst.id:<8} v{inst.version:<6} {len(inst.items):>2} items  {inst.name}\n"
                f"         scores: {scores}"
            )
        return 0
    if args.id not in instruments:
        print(f"error: no instrument {args.id!r}; known: {', '.join(instruments)}", file=sys.stderr)
        return 2
    print(json.dumps(describe(instruments[args.id]), indent=2, ensure_ascii=False))
    return 0


def run_example(args: argparse.Namespace) -> int:
    """Write the synthetic example batch."""
    from pipeline import io
    from pipeline.synthetic import make_batch

    batch = make_batch(args.respondents, args.seed)
    path = io.atomic_write(
        Path(args.out), lambda p: batch.to_csv(p, index=False, encoding="utf-8-sig")
    )
    _log(args, f"example: {len(batch)} rows for {args.respondents} respondents -> {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(
        prog="wellbeing",
        description="Wellbeing outcome survey pipeline: ingest, validate, score, analyse, report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    helps = {
        "ingest": "read the survey exports into the canonical items table",
        "validate": "check the items table and flag problems",
        "score": "score every instrument present",
        "analyse": "compute statistics from the scores",
        "report": "render the HTML report",
        "run": "run every stage in order",
    }
    for name, text in helps.items():
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--config", default="config/pipeline.yaml", help="run configuration")
        p.add_argument("--out", help="output folder (overrides the configuration's output)")
        loud = p.add_mutually_exclusive_group()
        loud.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
        loud.add_argument("-v", "--verbose", action="store_true", help="also print timings")
    inst = sub.add_parser("instruments", help="list, show or check instrument definitions")
    inst_sub = inst.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (
        ("list", "list instruments"),
        ("show", "show one definition"),
        ("check", "check definition files"),
    ):
        p = inst_sub.add_parser(action, help=text, description=text)
        p.add_argument("--dir", default="instruments", help="instrument folder")
        if action == "show":
            p.add_argument("id", help="instrument id, e.g. wemwbs")
        if action == "check":
            p.add_argument("files", nargs="*", help="files to check (default: the whole folder)")
    ex = sub.add_parser("example", help="write the synthetic example batch")
    ex.add_argument("--out", default="data/example/survey_export.csv")
    ex.add_argument("--respondents", type=int, default=300)
    ex.add_argument("--seed", type=int, default=2026)
    ex.add_argument("-q", "--quiet", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from pipeline import progress

    parser = build_parser()
    args = parser.parse_args(argv)
    progress.configure(quiet=getattr(args, "quiet", False))
    try:
        if args.command == "instruments":
            return run_instruments(args)
        if args.command == "example":
            return run_example(args)
        if args.command == "run":
            run_all(args)
        else:
            _timed(args.command, args)
        return 0
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so plainly instead of dumping a traceback
        if args.debug:
            raise
        print(
            f"internal error ({exc.__class__.__name__}: {exc}). This is a bug in the pipeline; "
            "rerun with --debug for details and report it.",
            file=sys.stderr,
        )
        return 3
