from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.errors import ConfigError, InstrumentError
from pipeline.instruments import (
    check_files,
    load_instruments,
    read_definition,
    with_band_thresholds,
    with_missing_rule,
)
from pipeline.score import score_items

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["ghq28", "gqol", "ons4", "swemwbs", "ucla3", "wemwbs"]


def test_shipped_definitions_are_valid(instruments):
    assert sorted(instruments) == SHIPPED
    assert check_files(sorted((ROOT / "instruments").glob("[!_]*.yaml"))) == []


def test_shipped_definitions_store_labels_not_wording(instruments):
    for inst in instruments.values():
        for item in inst.items:
            assert len(item.label.split()) <= 6, item


def test_ghq28_has_fifteen_scores_with_computed_ranges(instruments):
    ghq = instruments["ghq28"]
    expected = [
        f"ghq28_{g}_{m}"
        for g in ("somatic", "anxiety_insomnia", "social_dysfunction", "severe_depression", "total")
        for m in ("ghq", "likert", "cghq")
    ]
    assert ghq.score_ids == expected
    ranges = {s.id: s.range for s in ghq.scores}
    assert ranges["ghq28_total_ghq"] == (0, 28)
    assert ranges["ghq28_total_likert"] == (0, 84)
    assert ranges["ghq28_somatic_likert"] == (0, 21)


def test_unconfirmed_facts_are_listed(instruments):
    facts = instruments["swemwbs"].unconfirmed_facts()
    assert "swemwbs_metric lookup table" in facts
    assert any(f.startswith("missing-item rule") for f in facts)


def _write(tmp_path: Path, data: dict, stem: str | None = None, siblings=()) -> Path:
    folder = tmp_path / "instruments"
    folder.mkdir(exist_ok=True)
    for sib in siblings:
        shutil.copy(ROOT / "instruments" / f"{sib}.yaml", folder)
    path = folder / f"{stem or data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _load(name: str) -> dict:
    return copy.deepcopy(read_definition(ROOT / "instruments" / f"{name}.yaml"))


def _break_range(d):
    d["scores"][0]["range"] = [14, 71]


def _break_id(d):
    d["id"] = "wembws"


def _break_group(d):
    d["scores"][0]["items"] = "nonexistent_group"


def _break_typo(d):
    d["scroes"] = d.pop("scores")


def _break_norm(d):
    d["norms"][0]["mean"] = 99


def _break_band(d):
    d["bands"][0]["thresholds"] = [41, 45, 80]


def _break_labels(d):
    d["responses"]["freq5"]["labels"][2] = ["Rarely", "Often"]


def _break_prorate(d):
    d["missing"] = {"rule": "prorate", "max_missing": 14, "source": "x", "status": "derived"}


def _break_item_prefix(d):
    d["items"][0]["id"] = "wellbeing_1"


BROKEN = {
    "range": (_break_range, "scores[0].range", "computed range [14, 70]"),
    "id": (_break_id, "id", "must equal the file name"),
    "group": (_break_group, "scores[0].items", "unknown group"),
    "typo": (_break_typo, "(top level)", "'scores' is a required property"),
    "norm": (_break_norm, "norms[0].mean", "outside"),
    "band": (_break_band, "bands[0].thresholds", "must lie"),
    "labels": (_break_labels, "responses.freq5.labels.", "label 'Often' is also given for code"),
    "prorate": (_break_prorate, "missing.max_missing", "no answered item"),
    "prefix": (_break_item_prefix, "items[0].id", "must start with 'wemwbs_'"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_wemwbs_is_rejected_with_file_and_key(tmp_path, case):
    breaker, key, text = BROKEN[case]
    data = _load("wemwbs")
    breaker(data)
    path = _write(tmp_path, data, stem="wemwbs")
    messages = check_files([path])
    assert messages, case
    assert any(str(path) in m and key in m and text in m for m in messages), messages


def test_recode_that_misses_a_code_is_rejected(tmp_path):
    data = _load("ghq28")
    del data["recodes"]["bimodal"][4]
    messages = check_files([_write(tmp_path, data)])
    assert any("recodes.bimodal" in m and "[4]" in m for m in messages), messages


def test_lookup_with_a_gap_is_rejected(tmp_path):
    data = _load("swemwbs")
    del data["scores"][1]["lookup"][20]
    messages = check_files([_write(tmp_path, data, siblings=["wemwbs"])])
    assert any("scores[1].lookup" in m and "missing [20]" in m for m in messages), messages


def test_alias_must_name_an_item_of_another_instrument(tmp_path):
    data = _load("swemwbs")
    data["items"][0]["alias"] = "wemwbs_99"
    messages = check_files([_write(tmp_path, data, siblings=["wemwbs"])])
    assert any("items[0].alias" in m for m in messages), messages
    data["items"][0]["alias"] = "wemwbs_1"
    assert check_files([_write(tmp_path, data, siblings=["wemwbs"])]) == []


def test_python_object_tag_is_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("id: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="unsupported YAML tag") as err:
        read_definition(path)
    assert str(path) in str(err.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\nitems: [unclosed\n", encoding="utf-8")
    messages = check_files([path])
    assert len(messages) == 1 and "not valid YAML" in messages[0] and "line" in messages[0]


def test_load_instruments_raises_on_any_broken_file(tmp_path):
    data = _load("wemwbs")
    _break_range(data)
    _write(tmp_path, data, stem="wemwbs")
    with pytest.raises(InstrumentError, match=r"wemwbs.yaml: scores\[0\].range"):
        load_instruments(tmp_path / "instruments")


def test_a_new_instrument_needs_only_yaml(tmp_path):
    """A researcher's definition with reverse-scored items and a mean score, no Python."""
    toy = {
        "format_version": 1,
        "id": "toy",
        "name": "Toy scale",
        "version": "0.1",
        "citation": "Invented for this test",
        "licence": "none",
        "responses": {"agree4": {"min": 0, "max": 3, "labels": {0: ["No"], 3: ["Yes"]}}},
        "items": [{"id": f"toy_{i}", "label": f"item {i}"} for i in range(1, 5)],
        "reverse": ["toy_2", "toy_4"],
        "missing": {"rule": "prorate", "max_missing": 1, "source": "test", "status": "derived"},
        "scores": [
            {
                "id": "toy_mean",
                "label": "Toy mean",
                "items": "all",
                "aggregate": "mean",
                "range": [0, 3],
                "higher_is": "better",
            }
        ],
    }
    _write(tmp_path, toy)
    loaded = load_instruments(tmp_path / "instruments")
    items = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c"],
            "wave": "baseline",
            "toy_1": [3, 0, 3],
            "toy_2": [0, 3, np.nan],
            "toy_3": [3, 0, 1],
            "toy_4": [0, 3, 0],
        }
    )
    out = score_items(items, loaded)
    # a: 3, 3-0, 3, 3-0 -> mean 3; b: 0, 0, 0, 0 -> 0; c: 3, -, 1, 3 -> 7/3 prorated
    np.testing.assert_allclose(out["toy_mean"], [3.0, 0.0, 7 / 3])
    assert out["toy_prorated"].tolist() == [False, False, True]
    assert set(out["toy_missing_rule"]) == {"prorate(max_missing=1)"}


def test_prorate_is_refused_for_lookup_scores(instruments):
    with pytest.raises(ConfigError, match="lookup"):
        with_missing_rule(instruments["swemwbs"], "prorate", 1)
    with pytest.raises(ConfigError, match="max_missing"):
        with_missing_rule(instruments["wemwbs"], "prorate", 14)
    changed = with_missing_rule(instruments["wemwbs"], "prorate", 2)
    assert changed.missing.describe() == "prorate(max_missing=2)"
    assert instruments["wemwbs"].missing.describe() == "complete_case"


def test_band_thresholds_can_be_overridden(instruments):
    changed = with_band_thresholds(
        instruments["wemwbs"], "wemwbs_total", "depression_risk", [41, 46, 60]
    )
    assert changed.bands[0].thresholds == (41, 46, 60)
    with pytest.raises(ConfigError):
        with_band_thresholds(instruments["wemwbs"], "wemwbs_total", "depression_risk", [41, 46])
    with pytest.raises(ConfigError):
        with_band_thresholds(instruments["wemwbs"], "wemwbs_total", "nope", [1])
