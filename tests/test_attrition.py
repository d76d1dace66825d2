"""Attrition statistics against R (tests/r/attrition.R wrote tests/r/attrition_reference.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.attrition import attrition
from pipeline.config import Study

R_DIR = Path(__file__).resolve().parent / "r"
STUDY = Study(
    ("baseline", "post"), ("intervention", "comparison"), ("age_band", "sessions_attended")
)


@pytest.fixture(scope="module")
def result(instruments):
    scores = pd.read_csv(R_DIR / "attrition_fixture.csv")
    scores = scores.assign(wemwbs_status="scored", gqol_status="scored")
    sub = {k: instruments[k] for k in ("wemwbs", "gqol")}
    return attrition(scores, sub, STUDY)


def test_matches_r(result):
    ref = pd.read_csv(R_DIR / "attrition_reference.csv", keep_default_na=False, na_values=["NA"])
    got = result[result["wave"] == "post"].fillna({"level": ""})
    merged = ref.merge(got, on=["group", "variable", "level"], suffixes=("_r", ""), how="left")
    assert len(merged) == len(ref) and merged["smd"].notna().all()
    for col in ("smd", "statistic", "df", "p_value"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_r"], rtol=1e-6, err_msg=col)


def test_flags_and_counts(result):
    wem = result[(result.group == "all") & (result.variable == "wemwbs_total")].iloc[0]
    assert wem["n_completers"] == 59 and wem["n_non_completers"] == 61
    assert bool(wem["differential"]) is True  # low-wellbeing people dropped out
    assert wem["test"] == "welch_t"
    gqol = result[(result.group == "all") & (result.variable == "gqol_score")].iloc[0]
    assert gqol["n_completers"] + gqol["n_non_completers"] == 114  # 6 baseline scores missing
    age = result[(result.group == "all") & (result.variable == "age_band")]
    assert len(age) == 3 and age["differential"].nunique() == 1
    assert age["mean_completers"].sum() == pytest.approx(1.0)
    assert set(result["group"]) == {"all", "intervention", "comparison"}
    assert not ((result.group != "all") & (result.variable == "group")).any()
