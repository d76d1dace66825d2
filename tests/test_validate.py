"""The data-quality gate, on the planted-problem export in tests/data/messy/."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.config import Study, ValidateOptions
from pipeline.reasons import PRIORITY, REASONS
from pipeline.validate import build_checks

ROOT = Path(__file__).resolve().parent.parent
MESSY = ROOT / "tests" / "data" / "messy"
RECORD_LEVEL = {code for code, r in REASONS.items() if r.level == "record"}


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy")
    config = MESSY / "pipeline.yaml"
    cwd = Path.cwd()
    try:
        import os

        os.chdir(ROOT)  # the fixture's config uses paths relative to the project root
        assert main(["run", "--config", str(config), "--out", str(out), "-q"]) == 0
    finally:
        os.chdir(cwd)
    read = {"dtype": {"respondent_id": "string"}, "keep_default_na": True}
    return {
        "out": out,
        "flags": pd.read_csv(out / "flags.csv", **read),
        "quarantine": pd.read_csv(out / "quarantine.csv", **read),
        "returns": pd.read_csv(out / "returns.csv", **read),
        "scores": pd.read_csv(out / "scores.csv", **read),
        "flow": json.loads((out / "flow.json").read_text()),
        "expected": pd.read_csv(MESSY / "expected.csv", dtype=str, keep_default_na=False),
        "raw_rows": len(pd.read_csv(MESSY / "messy_export.csv", encoding="utf-8-sig")),
    }


def test_every_planted_problem_has_its_reason_code(messy):
    flags = messy["flags"].fillna({"column": ""})
    found = set(zip(flags["source_row"].astype(str), flags["code"], flags["column"], strict=True))
    for row in messy["expected"].itertuples():
        column = "" if row.code in RECORD_LEVEL else row.column
        matches = {f for f in found if f[0] == row.source_row and f[1] == row.code}
        if column:
            matches = {f for f in matches if f[2] == column}
        assert matches, f"row {row.source_row}: {row.code} {column} not flagged"


def test_no_flag_beyond_the_planted_problems(messy):
    planted = set(zip(messy["expected"]["source_row"], messy["expected"]["code"], strict=True))
    flags = messy["flags"]
    got = set(zip(flags["source_row"].astype(str), flags["code"], strict=True))
    assert got == planted


def test_outcome_of_every_row(messy):
    returns = messy["returns"].set_index("source_row")
    expected = messy["expected"].groupby("source_row")["outcome"].first()
    for source_row, status in returns["status"].items():
        want = expected.get(str(source_row), "used")
        assert status == want, (source_row, status, want)
    # the first copy of the exact duplicate is used, the later one quarantined
    p012 = returns[(returns["respondent_id"] == "P012") & (returns["wave"] == "baseline")]
    assert sorted(p012["status"]) == ["quarantined", "used"]


def test_nothing_is_lost(messy):
    """Every input row ends in exactly one of scores.csv (used) or quarantine.csv."""
    scored = set(messy["scores"]["record_id"])
    quarantined = set(messy["quarantine"]["record_id"])
    assert not scored & quarantined
    assert len(scored) + len(quarantined) == messy["raw_rows"] == len(messy["returns"])
    assert len(messy["scores"]) == len(scored) and len(messy["quarantine"]) == len(quarantined)


def test_quarantine_keeps_original_cells_and_all_reasons(messy):
    q = messy["quarantine"].set_index("source_row")
    assert q.loc[39, "original:Timepoint"] == "Week 6"
    assert q.loc[13, "reason"] == "conflicting_duplicate"
    assert set(q.loc[20, "reasons"].split(";")) == {"empty_return"}
    assert q.loc[8, "reason"] == "follow_up_before_baseline"
    assert "original:WEMWBS Q1" in q.columns and "original:Participant ID" in q.columns
    assert (q["reason"].isin(REASONS)).all()


def test_cells_are_blanked_not_returns(messy):
    scores = messy["scores"].set_index("source_row")
    assert pd.isna(scores.loc[32, "group"])  # unknown group "Choir"
    assert pd.isna(scores.loc[31, "date"])  # 31/02/2026
    assert scores.loc[6, "ghq28_status"] == "partial"  # code 5 blanked: one subscale short
    assert scores.loc[49, "wemwbs_status"] == "too_many_missing"  # code 7 blanked


def test_flow_adds_up_and_matches_the_outputs(messy):
    flow, scores, quarantine = messy["flow"], messy["scores"], messy["quarantine"]
    returns = flow["returns"]
    assert returns["received"] == returns["used"] + returns["quarantined"] == messy["raw_rows"]
    assert returns["used"] == len(scores) and returns["quarantined"] == len(quarantine)
    assert sum(returns["quarantined_by_reason"].values()) == returns["quarantined"]
    assert returns["quarantined_by_reason"] == quarantine["reason"].value_counts().to_dict()
    for wave, node in returns["by_wave"].items():
        assert node["received"] == node["used"] + node["quarantined"], wave
    baseline = scores[scores["wave"] == "baseline"]
    all_ = flow["groups"]["all"]
    assert all_["enrolled"] == baseline["respondent_id"].nunique()
    assert all_["enrolled"] == sum(
        g["enrolled"] for name, g in flow["groups"].items() if name != "all"
    )
    assert list(all_["analysable"]) == ["wemwbs", "swemwbs", "ghq28", "gqol"]
    for group, node in flow["groups"].items():
        post = node["follow_up"]["post"]
        assert node["enrolled"] == post["returned"] + post["not_returned"], group
        assert post["returned"] == post["valid"] + post["excluded"], group
        assert post["excluded"] == sum(post["excluded_by_reason"].values()), group
        for inst, entry in node["analysable"].items():
            assert node["enrolled"] == entry["baseline_scored"] + entry["baseline_not_scored"]
            p = entry["follow_up"]["post"]
            total = p["paired"] + p["no_valid_follow_up"] + p["follow_up_not_scored"]
            assert entry["baseline_scored"] == total, (group, inst)
    # paired counts equal those computed straight from scores.csv
    for inst, entry in all_["analysable"].items():
        wide = scores.pivot_table(index="respondent_id", columns="wave", values=entry["score"])
        assert entry["follow_up"]["post"]["paired"] == int(wide.notna().all(axis=1).sum()), inst
    # P016's post returns conflict: they are excluded at follow-up for that reason
    assert all_["follow_up"]["post"]["excluded_by_reason"] == {
        "conflicting_duplicate": 1,
        "follow_up_before_baseline": 1,
    }


def test_response_and_quality_outputs(messy):
    out = messy["out"]
    response = pd.read_csv(out / "response.csv")
    overall = response[(response.dimension == "overall")].iloc[0]
    flow = messy["flow"]["groups"]["all"]
    assert overall["enrolled"] == flow["enrolled"]
    assert overall["valid"] == flow["follow_up"]["post"]["valid"]
    assert overall["response_rate"] == pytest.approx(overall["valid"] / overall["enrolled"])
    assert set(response["dimension"]) == {"overall", "group", "site", "cohort"}
    by_group = response[response.dimension == "group"]
    assert by_group["enrolled"].sum() == overall["enrolled"]
    quality = json.loads((out / "quality.json").read_text())
    assert quality["returns_received"] == messy["raw_rows"]
    kinds = {f["kind"] for f in quality["low_response_flags"]}
    assert "few_paired_cases" in kinds  # fewer than 30 people paired
    missing = pd.read_csv(out / "item_missingness.csv")
    row = missing[(missing["item"] == "wemwbs_5") & (missing["wave"] == "baseline")].iloc[0]
    assert row["missing"] >= 1 and 0 < row["missing_share"] < 1
    gx = json.loads((out / "gx_validation.json").read_text())
    assert set(gx) == {"returns", "wemwbs_freq5", "ghq28_pos4", "gqol_vas100"}
    assert gx["returns"]["success"] is False and gx["wemwbs_freq5"]["success"] is False
    assert sum(len(t["results"]) for t in gx.values()) == 8 + 3  # returns + one per scale


def test_expectations_are_generated_from_definitions(instruments):
    items = pd.DataFrame(columns=["respondent_id", "wave", "group", "date", "wemwbs_1", "gqol_1"])
    checks = build_checks(items, instruments, Study(("baseline", "post"), ("a", "b")))
    by_table = {c.table: c for c in checks if c.code == "out_of_range"}
    assert set(by_table) == {"wemwbs_freq5", "gqol_vas100"}
    assert by_table["wemwbs_freq5"].values == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert len(by_table["gqol_vas100"].values) == 101
    assert {c.code for c in checks} >= {
        "missing_id",
        "unknown_wave",
        "unknown_group",
        "duplicate",
        "follow_up_before_baseline",
    }


def test_actions_come_from_config(project, tmp_path):
    header = "ID,Time," + ",".join(f"Q{i}" for i in range(1, 15))
    rows = ["A,Pre," + ",".join(["3"] * 13 + ["9"]), "B,Pre," + ",".join(["2"] * 14)]
    (tmp_path / "x.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    mapping = {
        "columns": {"ID": "respondent_id", "Time": "wave"}
        | {f"Q{i}": f"wemwbs_{i}" for i in range(1, 15)},
        "waves": {"baseline": ["Pre"]},
    }
    config = project([{"path": "x.csv"}], mapping)
    text = config.read_text() + "validate:\n  actions: {out_of_range: quarantine}\n"
    config.write_text(text)
    assert main(["run", "--config", str(config), "-q"]) == 0
    q = pd.read_csv(tmp_path / "out" / "quarantine.csv")
    assert q["respondent_id"].tolist() == ["A"] and q["reason"].tolist() == ["out_of_range"]
    config.write_text(config.read_text().replace("out_of_range: quarantine", "missing_id: flag"))
    assert main(["validate", "--config", str(config)]) == 2


def test_nothing_valid_is_a_blocking_error(project, tmp_path, capsys):
    (tmp_path / "x.csv").write_text("ID,Time,Q1\n,Pre,3\n,Pre,4\n", encoding="utf-8")
    mapping = {
        "columns": {"ID": "respondent_id", "Time": "wave", "Q1": "wemwbs_1"},
        "waves": {"baseline": ["Pre"]},
    }
    config = project([{"path": "x.csv"}], mapping)
    assert main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "no usable returns: all 2 were quarantined" in err and "quarantine.csv" in err
    assert (tmp_path / "out" / "quarantine.csv").exists()


def test_every_reason_is_documented_and_ranked():
    assert set(PRIORITY) == set(REASONS)
    for reason in REASONS.values():
        assert reason.default in reason.allowed and reason.meaning and reason.fix
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [code for code in REASONS if f"`{code}`" not in readme]
    assert not missing, f"README lacks {missing}"


def test_default_options():
    options = ValidateOptions()
    assert options.action("out_of_range") == "set_missing"
    assert options.action("orphan_follow_up") == "quarantine"
    assert (options.min_follow_up_response, options.min_paired_cases) == (0.5, 30)
