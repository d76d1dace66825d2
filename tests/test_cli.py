"""Command-line tests, run in-process through ``main``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent

MAPPING = {
    "columns": {
        "Participant": "respondent_id",
        "Timepoint": "wave",
        "Arm": "group",
        "Venue": "site",
    }
    | {f"WEM{i}": f"wemwbs_{i}" for i in range(1, 15)}
    | {f"GHQ_{s.upper()}{i}": f"ghq28_{s}{i}" for s in "abcd" for i in range(1, 8)}
    | {"QoL": "gqol_1"},
    "waves": {"baseline": ["Pre"], "post": ["Post"]},
    "groups": {"intervention": ["Arts"], "comparison": ["Waiting list"]},
    "missing_codes": [99],
}


def _batch(tmp_path: Path) -> Path:
    """Three respondents, two waves, hand-checkable answers."""
    wem = {
        ("R1", "Pre"): [3] * 14,  # total 42; SWEMWBS raw 21 -> metric 19.25
        ("R1", "Post"): [4] * 14,  # total 56; SWEMWBS raw 28 -> metric 25.03
        ("R2", "Pre"): [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4],  # total 40
        # SWEMWBS items 1,2,3,6,7,9,11 -> 1+2+3+1+2+4+1 = 14 -> metric 15.32
        ("R2", "Post"): [5] * 13 + [99],  # item 14 missing -> no WEMWBS total;
        # SWEMWBS items all answered: raw 35 -> metric 35.00
        ("R3", "Pre"): [2] * 14,  # total 28; SWEMWBS raw 14 -> 15.32
    }
    ghq = {
        ("R1", "Pre"): [2] * 28,  # GHQ 0, Likert 28, C-GHQ 21 (7 positive items score 0)
        ("R1", "Post"): [1] * 28,  # all zero
        ("R2", "Pre"): [4] * 28,  # GHQ 28, Likert 84, C-GHQ 28
        ("R2", "Post"): [3] * 7 + [1] * 20 + [99],  # D7 missing: A-C scored, no D or totals
        # somatic: GHQ 7, Likert 14, C-GHQ 7
        ("R3", "Pre"): [5] + [1] * 27,  # code 5 is out of range -> blanked: no A or totals
    }
    header = ["Participant", "Timepoint", "Arm", "Venue"] + [f"WEM{i}" for i in range(1, 15)]
    header += [f"GHQ_{s.upper()}{i}" for s in "abcd" for i in range(1, 8)] + ["QoL"]
    arms = {"R1": "Arts", "R2": "Arts", "R3": "Waiting list"}
    lines = [",".join(header)]
    for (rid, wave), answers in wem.items():
        row = [rid, wave, arms[rid], "Hall"] + answers + ghq[(rid, wave)] + [70]
        lines.append(",".join(map(str, row)))
    path = tmp_path / "batch.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_run_scores_a_mapped_canonical_batch_as_hand_calculated(project, tmp_path):
    _batch(tmp_path)
    config = project([{"path": "batch.csv"}], MAPPING)
    assert main(["run", "--config", str(config), "--quiet"]) == 0
    out = tmp_path / "out"
    scores = pd.read_csv(out / "scores.csv", dtype={"respondent_id": str})
    scores = scores.set_index(["respondent_id", "wave"])
    expect = {
        ("R1", "baseline"): (42, 19.25, 0, 28, 21, "scored"),
        ("R1", "post"): (56, 25.03, 0, 0, 0, "scored"),
        ("R2", "baseline"): (40, 15.32, 28, 84, 28, "scored"),
        ("R2", "post"): (np.nan, 35.00, np.nan, np.nan, np.nan, "partial"),
        ("R3", "baseline"): (28, 15.32, np.nan, np.nan, np.nan, "partial"),
    }
    cols = [
        "wemwbs_total",
        "swemwbs_metric",
        "ghq28_total_ghq",
        "ghq28_total_likert",
        "ghq28_total_cghq",
        "ghq28_status",
    ]
    for key, values in expect.items():
        row = scores.loc[key, cols].tolist()
        np.testing.assert_allclose(row[:5], values[:5], err_msg=str(key))
        assert row[5] == values[5], key
    r2_post = scores.loc[("R2", "post")]
    assert (
        r2_post["ghq28_somatic_ghq"],
        r2_post["ghq28_somatic_likert"],
        r2_post["ghq28_somatic_cghq"],
    ) == (7, 14, 7)
    assert r2_post["wemwbs_status"] == "too_many_missing"
    assert r2_post["wemwbs_n_answered"] == 13
    assert set(scores["wemwbs_missing_rule"]) == {"complete_case"}
    assert (scores["gqol_score"] == 70).all()
    for name in ("items.parquet", "scores.parquet", "flags.csv", "descriptives.csv", "report.html"):
        assert (out / name).exists(), name
    assert scores.loc[("R3", "baseline"), "ghq28_anxiety_insomnia_likert"] == 0
    flags = pd.read_csv(out / "flags.csv").sort_values(["source_row", "code", "column"])
    # the hand-made answers repeat one code per instrument: straight-lining is flagged
    assert flags[["source_row", "code", "column", "action"]].values.tolist() == [
        [2, "straight_lining", "ghq28", "flag"],
        [2, "straight_lining", "wemwbs", "flag"],
        [3, "straight_lining", "ghq28", "flag"],
        [3, "straight_lining", "wemwbs", "flag"],
        [4, "straight_lining", "ghq28", "flag"],
        [5, "too_many_missing", "ghq28", "flag"],
        [5, "too_many_missing", "wemwbs", "flag"],
        [6, "out_of_range", "ghq28_a1", "set_missing"],
        [6, "straight_lining", "wemwbs", "flag"],
        [6, "too_many_missing", "ghq28", "flag"],
    ]


def test_prorating_from_config_is_recorded(project, tmp_path):
    _batch(tmp_path)
    config = project(
        [{"path": "batch.csv"}],
        MAPPING,
        score={"missing": {"wemwbs": {"rule": "prorate", "max_missing": 1}}},
    )
    assert main(["run", "--config", str(config), "-q"]) == 0
    scores = pd.read_csv(tmp_path / "out" / "scores.csv").set_index(["respondent_id", "wave"])
    row = scores.loc[("R2", "post")]
    assert row["wemwbs_total"] == pytest.approx(5 * 14)  # mean 5 x 14 items
    assert bool(row["wemwbs_prorated"]) is True
    assert set(scores["wemwbs_missing_rule"]) == {"prorate(max_missing=1)"}


def test_stages_run_one_by_one(project, tmp_path):
    _batch(tmp_path)
    config = str(project([{"path": "batch.csv"}], MAPPING))
    for stage in ("ingest", "validate", "score", "analyse", "report"):
        assert main([stage, "--config", config, "-q"]) == 0, stage
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "R1" not in html and "R2" not in html  # no respondent ids in the report


def test_stage_out_of_order_is_a_clear_error(project, tmp_path, capsys):
    config = str(project([{"path": "batch.csv"}], MAPPING))
    assert main(["score", "--config", config]) == 1
    err = capsys.readouterr().err
    assert "validated_items.parquet" in err and "run the validate stage first" in err
    assert "Traceback" not in err


def test_missing_input_file_exit_code_and_message(project, capsys):
    config = str(project([{"path": "nowhere.csv"}], MAPPING))
    assert main(["run", "--config", config]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: nowhere.csv: input file not found")


def test_bad_config_exit_code_2(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text("study: {waves: []}\n", encoding="utf-8")
    assert main(["run", "--config", str(path)]) == 2
    assert "c.yaml" in capsys.readouterr().err


def test_instruments_list_show_check(capsys, tmp_path):
    assert main(["instruments", "list"]) == 0
    listing = capsys.readouterr().out
    for iid in ("wemwbs", "swemwbs", "ghq28", "gqol", "ons4", "ucla3"):
        assert iid in listing
    assert main(["instruments", "show", "swemwbs"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in shown["scores"]] == ["swemwbs_raw", "swemwbs_metric"]
    assert shown["items"][3]["alias"] == "wemwbs_6"
    assert main(["instruments", "show", "nope"]) == 2
    capsys.readouterr()
    assert main(["instruments", "check"]) == 0
    assert "6 file(s) checked, 0 problem(s)" in capsys.readouterr().out
    broken = tmp_path / "gqol.yaml"
    text = (ROOT / "instruments" / "gqol.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("range: [0, 100]", "range: [0, 10]"), encoding="utf-8")
    assert main(["instruments", "check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}: scores[0].range: declared range [0, 10]" in err


def test_example_is_deterministic(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["example", "--out", str(a), "-q"]) == 0
    assert main(["example", "--out", str(b), "-q"]) == 0
    assert a.read_bytes() == b.read_bytes()
    shipped = ROOT / "data" / "example" / "survey_export.csv"
    assert a.read_bytes() == shipped.read_bytes(), "regenerate with `wellbeing example`"


def test_python_dash_m_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("wellbeing ")


def test_example_batch_end_to_end(tmp_path):
    out = tmp_path / "example"
    config = str(ROOT / "config" / "pipeline.yaml")
    assert main(["run", "--config", config, "--out", str(out), "-q"]) == 0
    scores = pd.read_csv(out / "scores.csv")
    quarantine = pd.read_csv(out / "quarantine.csv")
    raw = pd.read_csv(ROOT / "data" / "example" / "survey_export.csv", encoding="utf-8-sig")
    assert len(scores) + len(quarantine) == len(raw)  # nothing lost
    assert set(quarantine["reason"]) == {
        "missing_id",
        "exact_duplicate",
        "conflicting_duplicate",
        "orphan_follow_up",
        "follow_up_before_baseline",
    }  # the problems planted in the example
    assert set(scores["wave"]) == {"baseline", "post"}
    assert set(scores["group"]) == {"intervention", "comparison"}
    assert scores["wemwbs_total"].dropna().between(14, 70).all()
    assert scores["wemwbs_total"].notna().sum() > 300
    for name in ("flow.json", "response.csv", "attrition.csv", "report.html"):
        assert (out / name).exists(), name
