"""The evidence report: context, wording by evidence level, escaping, suppression."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import jinja2
import pandas as pd
import pytest
import yaml
from jinja2 import meta

from pipeline.cli import main
from pipeline.config import configured_instruments, load_config
from pipeline.report import (
    SECTIONS,
    TEMPLATES,
    ReportContext,
    ReportInputs,
    build_context,
    render_report,
)

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "data" / "example" / "survey_export.csv"


def _run(tmp: Path, transform=None) -> Path:
    """Run the pipeline on the example export (optionally transformed) into ``tmp``."""
    data = pd.read_csv(EXPORT, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    if transform is not None:
        data = transform(data)
    data.to_csv(tmp / "export.csv", index=False)
    cfg = yaml.safe_load((ROOT / "config" / "pipeline.yaml").read_text(encoding="utf-8"))
    cfg["ingest"]["sources"] = [{"path": str(tmp / "export.csv")}]
    cfg["ingest"]["mapping"] = str(ROOT / "config" / "mappings" / "example.yaml")
    cfg["instruments"] = str(ROOT / "instruments")
    cfg["output"] = str(tmp / "out")
    (tmp / "pipeline.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    assert main(["run", "--config", str(tmp / "pipeline.yaml"), "-q"]) == 0
    return tmp / "pipeline.yaml"


def _inputs(config: Path, **changes) -> ReportInputs:
    cfg = load_config(config)
    out = cfg.output_dir
    read = lambda name: json.loads((out / name).read_text(encoding="utf-8"))  # noqa: E731
    inputs = ReportInputs(
        results=read("results.json"),
        flow=read("flow.json"),
        quality=read("quality.json"),
        response=pd.read_csv(out / "response.csv", dtype={"level": str}),
        missingness=pd.read_csv(out / "item_missingness.csv"),
        instruments=configured_instruments(cfg),
        title=cfg.study.name,
        generated="2026-11-22 10:00",
        provenance={"pipeline": "test"},
    )
    return dataclasses.replace(inputs, **changes)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="module")
def uncontrolled(tmp_path_factory):
    """The example without its comparison group: a before-and-after design."""
    keep = lambda d: d[d["Arm"] != "Waiting list"]  # noqa: E731
    return _run(tmp_path_factory.mktemp("uncontrolled"), keep)


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html.split("<main>")[1])


def test_every_template_variable_is_declared():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    fields = {f.name for f in dataclasses.fields(ReportContext)}
    for name in env.list_templates(extensions=["j2"]):
        source = env.loader.get_source(env, name)[0]
        assert meta.find_undeclared_variables(env.parse(source)) <= {"ctx", "css"}, name
        used = set(re.findall(r"ctx\.(\w+)", source))
        assert used <= fields, (name, used - fields)
    assert all(f.metadata.get("help") for f in dataclasses.fields(ReportContext))


def test_report_with_comparison_group(example):
    ctx = build_context(_inputs(example))
    assert ctx.evidence["level"] == 3
    assert ctx.summary["causal"] is True
    assert [s["id"] for s in ctx.sections][:3] == ["summary", "evidence", "york"]
    assert len(ctx.york) == 8
    assert {r["status"] for r in ctx.york} <= {"addressed", "partly", "not addressed"}
    york = {r["criticism"]: r for r in ctx.york}
    assert york["No control or comparison group"]["status"] == "addressed"
    assert any("allowing for where people started" in s for s in ctx.summary["sentences"])
    html = render_report(ctx)
    assert "P0000" not in html and "P9000" not in html  # no respondent ids
    assert "<script" not in html.lower()
    assert 'src="http' not in html and "@import" not in html and "url(http" not in html
    for section, _ in SECTIONS:
        assert f'id="{section}"' in html


def test_uncontrolled_design_gets_level_1_wording(uncontrolled):
    ctx = build_context(_inputs(uncontrolled))
    assert ctx.evidence["level"] == 1
    assert ctx.summary["causal"] is False
    text = " ".join(ctx.summary["sentences"])
    assert "cannot show that the scheme caused it" in text
    assert "regression to the mean" in text.lower()
    for causal in ("improved wellbeing", "led to", "because of the scheme", "caused an"):
        assert causal not in text
    york = {r["criticism"]: r for r in ctx.york}
    assert york["No control or comparison group"]["status"] == "partly"  # norms and RTM shown
    assert york["Confounding not considered"]["status"] == "not addressed"
    robins = {d["domain"]: d for d in ctx.evidence["robins"]}
    assert robins["1. Confounding"]["judgement"] == "Critical"
    html = render_report(ctx)
    assert "Level 1 of 5" in html and "no sentence in it says the scheme caused" in html


def test_text_from_the_data_is_escaped(example):
    inputs = _inputs(example, title="<script>alert(1)</script>")
    response = inputs.response.copy()
    response.loc[response["dimension"] == "site", "level"] = "<b onmouseover=x>Hall</b>"
    html = render_report(build_context(dataclasses.replace(inputs, response=response)))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b onmouseover" not in html and "&lt;b onmouseover=x&gt;Hall&lt;/b&gt;" in html


def test_small_counts_are_suppressed_everywhere(example):
    ctx = build_context(_inputs(example, min_cell=100))
    for r in ctx.quality["response"]:
        if r["enrolled"].startswith("<") or r["valid"].startswith("<"):
            assert r["rate"] == "suppressed", r
    for q in ctx.quality["quarantine"]:
        assert q["n"] == "<100" and q["share"] == ""
    comparison = [r for o in ctx.outcomes for r in o["change"] if r["group"] == "comparison"]
    assert comparison and all(r["n"] == "<100" and r["change"] == "suppressed" for r in comparison)
    for row in ctx.dropout["rows"]:
        if row["non_completers"].startswith("<"):
            assert row["value_nc"] == "suppressed" and row["smd"] == ""
    html = render_report(ctx)
    text = _visible_text(html)
    assert "Counts below 100" in html
    # no count between 1 and 99 is printed next to a suppressed one in the flow diagram
    flow = str(ctx.flow["svg"])
    assert "&lt;100" in flow
    assert not re.search(r"(usable|returned|not returned|set aside): [1-9]\d?(?!\d)", flow)
    assert "suppressed" in text


def test_interim_scores_only_when_paired_data_exist(example):
    """Every outcome has its charts; charts carry a title and a text alternative."""
    ctx = build_context(_inputs(example))
    assert [o["id"] for o in ctx.outcomes][0] == "wemwbs"  # the primary outcome first
    for o in ctx.outcomes:
        required = ("means_svg", "forest_svg") + (
            ("shares_svg", "scatter_svg") if o["id"] == "wemwbs" else ()
        )
        for key in ("means_svg", "forest_svg", "shares_svg", "scatter_svg"):
            svg = str(o[key])
            if key in required or svg:
                assert svg.startswith("<svg") and "<title>" in svg and "<desc>" in svg, (
                    o["id"],
                    key,
                )
    gqol = next(o for o in ctx.outcomes if o["id"] == "gqol")
    assert not gqol["shares_svg"] and "no reliability" in gqol["rci_note"]


def test_report_command_writes_the_file(example, capsys):
    cwd = os.getcwd()
    try:
        os.chdir(example.parent)
        assert main(["report", "--config", str(example)]) == 0
    finally:
        os.chdir(cwd)
    out = example.parent / "out" / "report.html"
    html = out.read_text(encoding="utf-8")
    assert "sha256" in html and "great-expectations" in html  # provenance appendix
    assert "report stage (seconds)" in html or "analyse stage (seconds)" in html


def test_ordinals_in_chart_titles():
    from pipeline.report import _ordinal

    assert [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 112, 223)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "112th",
        "223rd",
    ]
