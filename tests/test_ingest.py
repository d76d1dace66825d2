from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import io
from pipeline.config import SourceSpec, load_config, load_mapping
from pipeline.errors import ConfigError, InputFileError
from pipeline.ingest import ingest

WEM = [f"wemwbs_{i}" for i in range(1, 15)]
MAPPING = {
    "columns": {
        "ID": "respondent_id",
        "Time": "wave",
        "Arm": "group",
        "Centre": "site",
        "Completed": "date",
    }
    | {f"Q{i}": f"wemwbs_{i}" for i in range(1, 15)},
    "waves": {"baseline": ["Pre", "T1"], "post": ["Post", "Follow-up", "T2"]},
    "groups": {"intervention": ["Arts"], "comparison": ["Waiting list"]},
    "missing_codes": [99, -9, "N/A"],
}
HEADER = ["ID", "Time", "Arm", "Centre", "Completed"] + [f"Q{i}" for i in range(1, 15)]


def _csv(rows, sep=",") -> str:
    return "\r\n".join(sep.join(map(str, r)) for r in [HEADER, *rows]) + "\r\n"


def _run_ingest(project, sources, mapping=MAPPING, **kw):
    from pipeline.config import configured_instruments

    cfg = load_config(project(sources, mapping, **kw))
    tables = [io.read_source(s, cfg.mapping.use_value_labels) for s in cfg.sources]
    return ingest(tables, cfg.mapping, cfg.study, configured_instruments(cfg))


def test_bom_crlf_csv_with_labels_and_missing_codes(project, tmp_path):
    rows = [
        ["001", "Pre", "Arts", "Library", "03/02/2026"] + [4] * 14,
        ["001", "post", "arts", "Library", "2026-05-04"] + ["Often"] * 13 + ["5 - All of the time"],
        ["002", " T1 ", "Waiting list", "Hall", "46000"] + [99] + ["N/A"] + [3] * 11 + ["4.0"],
        ["003", "Week 9", "Arts", "Hall", "31/31/2026"] + ["Sometimes"] + [2] * 13,
    ]
    (tmp_path / "export.csv").write_bytes(b"\xef\xbb\xbf" + _csv(rows).encode("utf-8"))
    result = _run_ingest(project, [{"path": "export.csv"}])
    items = result.items
    assert items["respondent_id"].tolist() == ["001", "001", "002", "003"]  # leading zeros kept
    assert items["wave"].tolist() == ["baseline", "post", "baseline", "Week 9"]
    assert items["group"].tolist() == ["intervention", "intervention", "comparison", "intervention"]
    assert items.loc[1, WEM].tolist() == [4.0] * 13 + [5.0]
    assert np.isnan(items.loc[2, "wemwbs_1"]) and np.isnan(items.loc[2, "wemwbs_2"])
    assert items.loc[2, "wemwbs_14"] == 4.0
    assert items["date"].dt.strftime("%Y-%m-%d").tolist()[:3] == [
        "2026-02-03",
        "2026-05-04",
        "2025-12-09",
    ]
    assert items["source_row"].tolist() == [2, 3, 4, 5]
    assert result.summary["files"][0]["encoding"] == "utf-8-sig"
    codes = sorted(zip(result.issues["code"], result.issues["column"], strict=True))
    assert codes == [
        ("unknown_label", "wemwbs_1"),
        ("unknown_wave", "wave"),
        ("unparseable_date", "date"),
    ]
    assert result.issues.loc[result.issues["code"] == "unknown_label", "source_row"].tolist() == [5]


def test_cp1252_semicolon_csv(project, tmp_path):
    rows = [["7", "Pre", "Arts", "Café Arts", "01/03/2026"] + [2] * 14]
    (tmp_path / "export.csv").write_bytes(_csv(rows, sep=";").encode("cp1252"))
    result = _run_ingest(project, [{"path": "export.csv"}])
    assert result.items.loc[0, "site"] == "Café Arts"
    assert result.items.loc[0, WEM].sum() == 28
    assert result.summary["files"][0]["encoding"] == "cp1252"


def test_excel_sheet_header_row_and_date_cells(project, tmp_path):
    frame = pd.DataFrame(
        [
            ["A1", "T1", "Arts", "Hall", pd.Timestamp("2026-01-15")] + [5] * 14,
            ["A1", "T2", "Arts", "Hall", pd.Timestamp("2026-04-15")] + [1] * 14,
        ],
        columns=HEADER,
    )
    path = tmp_path / "returns.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="Notes", index=False)
        frame.to_excel(writer, sheet_name="Returns", index=False, startrow=2)
    result = _run_ingest(project, [{"path": "returns.xlsx", "sheet": "Returns", "header_row": 3}])
    items = result.items
    assert items["wave"].tolist() == ["baseline", "post"]
    assert items[WEM].sum(axis=1).tolist() == [70, 14]
    assert items["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-15", "2026-04-15"]
    assert items["source_sheet"].tolist() == ["Returns", "Returns"]
    assert items["source_row"].tolist() == [4, 5]


def test_excel_missing_sheet_and_corrupt_file(project, tmp_path):
    path = tmp_path / "returns.xlsx"
    pd.DataFrame({"ID": [1]}).to_excel(path, sheet_name="Data", index=False)
    with pytest.raises(InputFileError, match=r"no sheet named 'Returns'.*\['Data'\]"):
        _run_ingest(project, [{"path": "returns.xlsx", "sheet": "Returns"}])
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputFileError, match="corrupt or password-protected") as err:
        _run_ingest(project, [{"path": "broken.xlsx"}])
    assert "broken.xlsx" in str(err.value)


def test_spss_value_labels_map_to_codes(project, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"id": [1.0, 2.0], "timepoint": [1.0, 2.0]})
    labels = {"timepoint": {1.0: "Pre", 2.0: "Post"}}
    for i in range(1, 15):
        # this export codes the WEMWBS answers 0-4; the labels carry the meaning
        frame[f"wem{i}"] = [4.0, 0.0]
        labels[f"wem{i}"] = {
            0.0: "None of the time",
            1.0: "Rarely",
            2.0: "Some of the time",
            3.0: "Often",
            4.0: "All of the time",
        }
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    mapping = {
        "columns": {"id": "respondent_id", "timepoint": "wave"}
        | {f"wem{i}": f"wemwbs_{i}" for i in range(1, 15)},
        "waves": {"baseline": ["Pre"], "post": ["Post"]},
    }
    result = _run_ingest(project, [{"path": "survey.sav"}], mapping=mapping)
    assert result.items["respondent_id"].tolist() == ["1", "2"]
    assert result.items["wave"].tolist() == ["baseline", "post"]
    assert result.items[WEM].sum(axis=1).tolist() == [70, 14]
    assert result.items["source_row"].tolist() == [1, 2]


def test_wide_layout_splits_waves(project, tmp_path):
    header = ["ID", "Arm"] + [f"Q{i}_t1" for i in range(1, 15)] + [f"Q{i}_t2" for i in range(1, 15)]
    rows = [
        ["W1", "Arts"] + [3] * 14 + [4] * 14,
        ["W2", "Arts"] + [2] * 14 + [""] * 14,  # did not return the follow-up
        ["W3", "Arts"] + [""] * 28,  # nothing at all: still one record, so nothing is lost
    ]
    text = "\n".join(",".join(map(str, r)) for r in [header, *rows])
    (tmp_path / "wide.csv").write_text(text, encoding="utf-8")
    mapping = MAPPING | {"layout": "wide", "wide_suffixes": {"baseline": "_t1", "post": "_t2"}}
    items = _run_ingest(project, [{"path": "wide.csv"}], mapping=mapping).items
    items = items.sort_values(["respondent_id", "wave"]).reset_index(drop=True)
    assert items[["respondent_id", "wave"]].values.tolist() == [
        ["W1", "baseline"],
        ["W1", "post"],
        ["W2", "baseline"],
        ["W3", "baseline"],
    ]
    assert items[WEM].sum(axis=1, min_count=1).tolist()[:3] == [42, 56, 28]
    assert items["group"].eq("intervention").all()
    assert items["source_row"].tolist() == [2, 2, 3, 4]


def test_one_file_per_wave(project, tmp_path):
    header = ["ID", "Arm"] + [f"Q{i}" for i in range(1, 15)]
    for name, value in (("pre.csv", 2), ("post.csv", 3)):
        text = "\n".join(",".join(map(str, r)) for r in [header, ["X", "Arts"] + [value] * 14])
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = _run_ingest(
        project,
        [{"path": "pre.csv", "wave": "baseline"}, {"path": "post.csv", "wave": "post"}],
    )
    assert result.items[["wave", "source_file"]].values.tolist() == [
        ["baseline", "pre.csv"],
        ["post", "post.csv"],
    ]
    assert result.items["wemwbs_1"].tolist() == [2, 3]


def test_missing_code_inside_a_scale_is_kept(project, tmp_path):
    header = ["ID", "Time", "GQOL", "Q1"]
    text = "\n".join(
        ",".join(r) for r in [header, ["1", "Pre", "99", "99"], ["2", "Pre", "-9", "3"]]
    )
    (tmp_path / "g.csv").write_text(text, encoding="utf-8")
    mapping = MAPPING | {"columns": MAPPING["columns"] | {"GQOL": "gqol_1"}}
    items = _run_ingest(project, [{"path": "g.csv"}], mapping=mapping).items
    assert items["gqol_1"].iloc[0] == 99  # a valid 0-100 answer, not "missing"
    assert np.isnan(items["gqol_1"].iloc[1])
    assert np.isnan(items["wemwbs_1"].iloc[0])  # 99 is not a 1-5 answer: missing


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (["Time", "Q1"], [["Pre", "1"]], "no respondent id column"),
        (["ID", "Q1"], [["1", "1"]], "no wave column"),
        (["ID", "Time", "Other"], [["1", "Pre", "x"]], "no recognisable instrument item columns"),
        (["ID", "Time", "Q1", "wemwbs_1"], [["1", "Pre", "1", "2"]], "both map to 'wemwbs_1'"),
    ],
)
def test_blocking_structure_errors_name_the_file(project, tmp_path, header, rows, message):
    text = "\n".join(",".join(r) for r in [header, *rows])
    (tmp_path / "bad.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as err:
        _run_ingest(project, [{"path": "bad.csv"}])
    assert "bad.csv" in str(err.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"ID,Time,Q1\n1,Pre,1,2,3,4\n", "parse")],
)
def test_unreadable_csv(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        io.read_source(SourceSpec(path))


def test_unsupported_and_missing_files(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputFileError, match="unsupported file type"):
        io.read_source(SourceSpec(tmp_path / "x.pdf"))
    with pytest.raises(InputFileError, match="not found"):
        io.read_source(SourceSpec(tmp_path / "nope.csv"))


def test_mapping_target_typo_is_a_config_error(project, tmp_path):
    (tmp_path / "e.csv").write_text("ID,Time,Q1\n1,Pre,1\n", encoding="utf-8")
    mapping = {"columns": {"ID": "respondent_id", "Time": "wave", "Q1": "wembws_1"}}
    with pytest.raises(ConfigError, match="wembws_1") as err:
        _run_ingest(project, [{"path": "e.csv"}], mapping=mapping)
    assert "mapping.yaml" in str(err.value)


def test_mapping_file_checks(tmp_path):
    from pipeline.config import Study

    study = Study(("baseline", "post"), ("intervention", "comparison"))
    path = tmp_path / "m.yaml"
    path.write_text("waves: {follow_up: [Post]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not one of the study's waves") as err:
        load_mapping(path, study)
    assert "waves.follow_up" in str(err.value)
    path.write_text("waves: {baseline: [T1], post: [T1]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="maps to both"):
        load_mapping(path, study)
    path.write_text("colums: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="colums"):
        load_mapping(path, study)


def test_run_config_errors_name_file_and_key(project, tmp_path):
    path = project([{"path": "x.csv", "wave": "week_12"}])
    with pytest.raises(ConfigError, match="week_12") as err:
        load_config(path)
    assert "ingest.sources[0].wave" in str(err.value)
    bad = Path(tmp_path / "bad.yaml")
    bad.write_text("study: {waves: [Baseline Wave]}\ningest: {mapping: m, sources: [{path: x}]}\n")
    with pytest.raises(ConfigError, match="snake_case"):
        load_config(bad)
