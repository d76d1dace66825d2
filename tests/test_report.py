from __future__ import annotations

import dataclasses
import re

import jinja2
import pandas as pd
from jinja2 import meta

from pipeline.report import TEMPLATES, ReportContext, build_context, render_report


def _context(instruments, site="Hall", n_small=3):
    scores = pd.DataFrame(
        {
            "respondent_id": [f"ID{i:03d}" for i in range(10 + n_small)],
            "wave": ["baseline"] * 10 + ["post"] * n_small,
            "group": ["intervention"] * (10 + n_small),
            "site": site,
            "gqol_score": [50.0] * (10 + n_small),
            "gqol_status": "scored",
        }
    )
    descriptives = pd.DataFrame(
        [
            ["gqol", "gqol_score", "baseline", "all", 10, 50.0, 0.0, 50.0, 50.0, 50.0, 50, 50],
            ["gqol", "gqol_score", "post", "all", n_small, 50.0, 0.0, 50.0, 50.0, 50.0, 50, 50],
        ],
        columns=[
            "instrument",
            "score",
            "wave",
            "group",
            "n",
            "mean",
            "sd",
            "median",
            "q1",
            "q3",
            "min",
            "max",
        ],
    )
    return build_context(
        descriptives,
        scores,
        {"gqol": instruments["gqol"]},
        {"files": [{"file": "data/<i>x.csv", "rows_read": 13}]},
        {
            "flags": {"out_of_range": 2},
            "records": 15,
            "used": 13,
            "quarantined": 2,
            "quarantined_by_reason": {"missing_id": 2},
        },
        title="<script>alert(1)</script>",
        generated="2026-11-22 10:00",
    )


def test_every_template_variable_is_declared():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    source = env.loader.get_source(env, "report.html.j2")[0]
    names = meta.find_undeclared_variables(env.parse(source))
    assert names == {"ctx", "css"}
    fields = {f.name for f in dataclasses.fields(ReportContext)}
    used = set(re.findall(r"ctx\.(\w+)", source))
    assert used <= fields, used - fields
    assert all(f.metadata.get("help") for f in dataclasses.fields(ReportContext))


def test_text_is_escaped_and_small_counts_suppressed(instruments):
    html = render_report(_context(instruments))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;i&gt;x.csv" in html
    assert "&lt;5" in html  # the post-wave count of 3
    assert "suppressed" in html
    assert "ID00" not in html  # no respondent ids
    assert 'href="http' not in html and "<script" not in html.lower().replace("&lt;script", "")


def test_suppression_counts(instruments):
    ctx = _context(instruments, n_small=3)
    (gqol,) = ctx.outcomes
    assert gqol["score"] == "GQOL score" and gqol["scale"] == "0 to 100, higher is better"
    post = [o for o in gqol["rows"] if o["wave"] == "post"][0]
    assert post["n"] == "<5" and post["mean_sd"] == "suppressed"
    base = [o for o in gqol["rows"] if o["wave"] == "baseline"][0]
    assert base["n"] == "10" and base["mean_sd"] == "50.0 (0.0)"
    assert {r["wave"]: r["n"] for r in ctx.records} == {"baseline": "10", "post": "<5"}
    assert ctx.flags == [{"code": "out_of_range", "n": "<5"}]
    assert ctx.returns == {
        "received": "15",
        "used": "13",
        "quarantined": "<5",
        "by_reason": [{"code": "missing_id", "n": "<5"}],
    }
