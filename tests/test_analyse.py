"""The analyse stage against R (tests/r/analysis_reference.R wrote the reference CSV)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analyse import DESCRIPTIVE_COLUMNS, analyse_scores, descriptives
from pipeline.change import holm
from pipeline.config import AnalyseOptions, Study
from pipeline.score import score_items
from pipeline.stats_table import ANALYSES, COLUMNS, POPULATIONS

R_DIR = Path(__file__).resolve().parent / "r"
STUDY = Study(
    ("baseline", "post"),
    ("intervention", "comparison"),
    ("age_band", "sessions_attended"),
    "intervention",
)
RTOL = 1e-6


@pytest.fixture(scope="module")
def reference():
    ref = pd.read_csv(R_DIR / "analysis_reference.csv")
    return {(r.analysis, r.group, r.term): float(r.value) for r in ref.itertuples()}


@pytest.fixture(scope="module")
def fixture_scores(instruments):
    data = pd.read_csv(R_DIR / "analysis_fixture.csv", dtype={"respondent_id": str})
    items = data.drop(columns=["wemwbs_total", "gqol_score"]).assign(gqol_1=data["gqol_score"])
    subset = {k: instruments[k] for k in ("wemwbs", "gqol")}
    scores = score_items(items, subset)
    # our scoring reproduces the fixture's own totals (complete returns only)
    np.testing.assert_array_equal(scores["wemwbs_total"].to_numpy(), data["wemwbs_total"])
    return scores, items, subset


def _run(fixture_scores, **options):
    scores, items, subset = fixture_scores
    return analyse_scores(scores, subset, STUDY, AnalyseOptions(**options), items).statistics


@pytest.fixture(scope="module")
def stats(fixture_scores):
    return _run(fixture_scores)


def _get(stats, analysis, term, group="all", score="wemwbs_total"):
    hit = stats[
        (stats.analysis == analysis)
        & (stats.term == term)
        & (stats.group == group)
        & (stats.score == score)
    ]
    assert len(hit) == 1, (analysis, term, group, len(hit))
    return hit.iloc[0]


@pytest.mark.parametrize("group", ["all", "intervention", "comparison"])
def test_paired_t_and_wilcoxon_match_r(stats, reference, group):
    got = _get(stats, "paired_change", "mean_change", group)
    for ours, theirs in (
        ("estimate", "estimate"),
        ("statistic", "statistic"),
        ("df", "df"),
        ("p_value", "p_value"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("n", "n"),
    ):
        assert got[ours] == pytest.approx(reference[("paired_t", group, theirs)], rel=RTOL), ours
    w = _get(stats, "wilcoxon", "signed_rank", group)
    assert w["statistic"] == pytest.approx(reference[("wilcoxon", group, "statistic")], rel=RTOL)
    assert w["p_value"] == pytest.approx(reference[("wilcoxon", group, "p_value")], rel=RTOL)


@pytest.mark.parametrize("group", ["all", "intervention", "comparison"])
def test_effect_sizes_match_r(stats, reference, group):
    for term in ("d_z", "d_av", "g_av"):
        got = _get(stats, "effect_size", term, group)["estimate"]
        assert got == pytest.approx(reference[("effect_size", group, term)], rel=RTOL), term
    dz = _get(stats, "effect_size", "d_z", group)
    assert dz["ci_low"] == pytest.approx(reference[("effect_size", group, "d_z_ci_low")], rel=1e-8)
    assert dz["ci_high"] == pytest.approx(
        reference[("effect_size", group, "d_z_ci_high")], rel=1e-8
    )


def _compare_coef(row, reference, analysis):
    for ours, theirs in (
        ("estimate", "estimate"),
        ("se", "se"),
        ("statistic", "statistic"),
        ("df", "df"),
        ("p_value", "p_value"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ):
        assert row[ours] == pytest.approx(reference[(analysis, "all", theirs)], rel=RTOL), ours


def test_ancova_matches_r(stats, reference, fixture_scores):
    _compare_coef(_get(stats, "ancova", "group_difference"), reference, "ancova")
    std = _get(stats, "ancova", "group_difference_standardised")["estimate"]
    assert std == pytest.approx(reference[("ancova", "all", "standardised")], rel=RTOL)
    adjusted = _run(fixture_scores, ancova_covariates=("age_band",))
    _compare_coef(_get(adjusted, "ancova", "group_difference"), reference, "ancova_covariates")


def test_difference_in_differences_matches_r(stats, reference):
    got = _get(stats, "difference_in_differences", "difference")
    for term in ("estimate", "statistic", "df", "p_value", "ci_low", "ci_high"):
        assert got[term] == pytest.approx(reference[("did", "all", term)], rel=RTOL), term


def test_alpha_matches_psych(stats, reference):
    for wave in ("baseline", "post"):
        hit = stats[
            (stats.analysis == "reliability")
            & (stats.score == "wemwbs_total")
            & (stats.wave == wave)
        ].iloc[0]
        assert hit["estimate"] == pytest.approx(
            reference[("alpha", "all", f"{wave}_alpha")], rel=RTOL
        )
        assert hit["ci_low"] == pytest.approx(
            reference[("alpha", "all", f"{wave}_feldt_low")], rel=RTOL
        )
        assert hit["ci_high"] == pytest.approx(
            reference[("alpha", "all", f"{wave}_feldt_high")], rel=RTOL
        )
        assert hit["n"] == reference[("alpha", "all", f"{wave}_n")]
        assert "published 0.91" in hit["note"]


def test_mcnemar_matches_r(stats, reference):
    got = _get(stats, "band_transition", "mcnemar")
    assert got["statistic"] == pytest.approx(reference[("mcnemar", "all", "statistic")], rel=RTOL)
    assert got["p_value"] == pytest.approx(reference[("mcnemar", "all", "p_value")], rel=RTOL)
    assert f"left the band: {reference[('mcnemar', 'all', 'low_notlow')]:g};" in got["note"]


def test_power_matches_power_t_test(stats, reference):
    mde = _get(stats, "precision", "mde_paired")
    assert mde["statistic"] == pytest.approx(reference[("power", "all", "mde_paired_d")], rel=RTOL)
    assert mde["n"] == reference[("power", "all", "n_pairs")]
    between = _get(stats, "precision", "mde_between_groups")
    assert between["statistic"] == pytest.approx(
        reference[("power", "all", "mde_two_sample_d_nmin")], rel=RTOL
    )
    power = _get(stats, "precision", "power_meaningful_change")  # 3 points: smallest stored
    assert power["estimate"] == pytest.approx(
        reference[("power", "all", "power_paired_delta3")], rel=RTOL
    )


def test_holm_matches_p_adjust(reference):
    got = holm([0.01, 0.04, 0.03, 0.20])
    want = [reference[("holm", "all", f"p{i}")] for i in range(1, 5)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.isnan(holm([np.nan, 0.01])[0])


def test_multiple_imputation_agrees_with_mice(fixture_scores, reference):
    """Different random draws: with 400 imputations on both sides Monte Carlo error is small,
    so the pooled estimates agree within a tenth of a standard error."""
    scores, items, subset = fixture_scores
    study = Study(
        ("baseline", "post"), ("intervention", "comparison"), ("age_band",), "intervention"
    )  # the R imputation model: baseline, group, age band, site
    options = AnalyseOptions(imputations=400, delta_grid=(0.0,))
    out = analyse_scores(scores, subset, study, options, items).statistics
    for term, key in (("group_difference", ""), ("mean_change", "mean_change_")):
        got = _get(out, "multiple_imputation", term)
        want_est = reference[("mice", "all", f"{key}estimate_m400")]
        want_se = reference[("mice", "all", f"{key}se_m400")]
        assert abs(got["estimate"] - want_est) < 0.1 * want_se, term
        assert got["se"] == pytest.approx(want_se, rel=0.05), term
    change = _get(out, "multiple_imputation", "mean_change")
    assert change["n"] == reference[("mice", "all", "n_enrolled")]
    missing = int(reference[("mice", "all", "n_missing_post")])
    assert change["note"].startswith(f"{missing} of {int(change['n'])} follow-ups imputed")


def test_tipping_point_and_delta_grid(stats):
    delta = stats[(stats.analysis == "delta_adjusted") & (stats.score == "wemwbs_total")]
    grid = delta[delta.term != "tipping_point"]
    assert len(grid) == 11 and grid["estimate"].is_monotonic_decreasing
    tip = delta[delta.term == "tipping_point"].iloc[0]
    first_ns = grid[grid["p_value"] >= 0.05]["term"].iloc[0]
    assert first_ns == f"group_difference@delta={tip['estimate']:g}"


def test_vocabulary_and_columns(stats):
    assert list(stats.columns) == COLUMNS
    assert set(stats["analysis"]) <= set(ANALYSES)
    assert set(stats["population"]) <= set(POPULATIONS)
    primary = stats[
        (stats.analysis == "ancova")
        & (stats.term == "group_difference")
        & (stats.score == "wemwbs_total")
    ]
    assert primary["p_holm"].iloc[0] == primary["p_value"].iloc[0]
    secondary = stats[
        (stats.analysis == "ancova")
        & (stats.term == "group_difference")
        & (stats.score == "gqol_score")
    ]
    assert secondary["p_holm"].iloc[0] == pytest.approx(secondary["p_value"].iloc[0])  # one test


def test_no_comparison_group_gives_norms_and_rtm_only(fixture_scores):
    scores, items, subset = fixture_scores
    single = scores[scores["group"] == "intervention"]
    study = Study(("baseline", "post"), ("intervention",), ("age_band",), "intervention")
    out = analyse_scores(single, subset, study, AnalyseOptions(), items).statistics
    analyses = set(out["analysis"])
    assert {"norm_comparison", "regression_to_mean"} <= analyses
    assert not {"ancova", "difference_in_differences"} & analyses
    rtm = out[(out.analysis == "regression_to_mean") & (out.score == "wemwbs_total")]
    assert len(rtm) >= 1 and "test-retest" in rtm["method"].iloc[0]
    norm = out[(out.analysis == "norm_comparison") & (out.score == "wemwbs_total")]
    assert norm["note"].str.contains("weaker evidence").all()
    mixed = out[out.analysis == "mixed_model"]
    assert not mixed["term"].str.contains("group").any()


def test_descriptives_match_direct_calculation(instruments):
    scores = pd.DataFrame(
        {
            "respondent_id": list("abcdef"),
            "wave": ["baseline", "baseline", "baseline", "post", "post", "post"],
            "group": ["intervention", "intervention", "comparison"] * 2,
            "wemwbs_total": [40.0, 50.0, 30.0, 44.0, np.nan, 35.0],
            "gqol_score": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        }
    )
    out = descriptives(scores, instruments, ["baseline", "post"])
    assert list(out.columns) == DESCRIPTIVE_COLUMNS
    row = out[(out.score == "wemwbs_total") & (out.wave == "baseline") & (out.group == "all")]
    assert row["n"].item() == 3
    assert row["mean"].item() == 40.0
    assert row["sd"].item() == np.std([40.0, 50.0, 30.0], ddof=1)
    assert (row["median"].item(), row["q1"].item(), row["q3"].item()) == (40.0, 35.0, 45.0)
    first = out[out.score == "gqol_score"][["wave", "group"]].values.tolist()[:3]
    assert first == [["baseline", "all"], ["baseline", "comparison"], ["baseline", "intervention"]]


def test_three_waves_compare_every_follow_up_with_baseline(fixture_scores):
    scores, items, subset = fixture_scores
    later = scores[scores["wave"] == "post"].copy()
    later["wave"] = "followup_6m"
    later["wemwbs_total"] = later["wemwbs_total"] + 1
    three = pd.concat([scores, later], ignore_index=True)
    study = Study(
        ("baseline", "post", "followup_6m"),
        ("intervention", "comparison"),
        ("age_band",),
        "intervention",
    )
    out = analyse_scores(three, subset, study, AnalyseOptions(delta_grid=(0.0,)), None).statistics
    paired = out[
        (out.analysis == "paired_change") & (out.score == "wemwbs_total") & (out.group == "all")
    ]
    assert list(paired["wave"]) == ["post", "followup_6m"]
    assert paired["estimate"].iloc[1] == pytest.approx(paired["estimate"].iloc[0] + 1)
    terms = set(out.loc[(out.analysis == "mixed_model") & (out.score == "wemwbs_total"), "term"])
    assert {"wave[post]", "wave[followup_6m]", "wave[followup_6m]:group[intervention]"} <= terms


def test_results_json_follows_its_schema(tmp_path):
    import json

    import jsonschema

    from pipeline.cli import main

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "example"
    assert (
        main(["run", "--config", str(root / "config" / "pipeline.yaml"), "--out", str(out), "-q"])
        == 0
    )
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    schema = json.loads((root / "reports" / "results.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, schema)
    table = pd.read_csv(out / "statistics.csv")
    assert len(results["statistics"]) == len(table)
    assert results["design"]["comparison_group"] is True


def test_statistics_csv_from_a_full_run_reproduces_r(project, reference):
    """The whole pipeline on the fixture (as a canonical CSV export) writes R's numbers."""
    from pipeline.cli import main

    config = project(
        [{"path": str(R_DIR / "analysis_fixture.csv")}],
        {"columns": {"gqol_score": "gqol_1"}},
        study={
            "waves": ["baseline", "post"],
            "groups": ["intervention", "comparison"],
            "intervention_group": "intervention",
            "covariates": ["age_band", "sessions_attended"],
        },
    )
    assert main(["run", "--config", str(config), "-q"]) == 0
    out = config.parent / "out"
    stats = pd.read_csv(out / "statistics.csv")
    returns = pd.read_csv(out / "returns.csv")
    assert (returns["status"] == "used").all() and len(returns) == 439
    paired = _get(stats, "paired_change", "mean_change")
    for term in ("estimate", "statistic", "df", "p_value", "ci_low", "ci_high"):
        assert paired[term] == pytest.approx(reference[("paired_t", "all", term)], rel=RTOL)
    dz = _get(stats, "effect_size", "d_z")["estimate"]
    assert dz == pytest.approx(reference[("effect_size", "all", "d_z")], rel=RTOL)
    _compare_coef(_get(stats, "ancova", "group_difference"), reference, "ancova")
    alpha = stats[
        (stats.analysis == "reliability")
        & (stats.score == "wemwbs_total")
        & (stats.wave == "baseline")
    ].iloc[0]
    assert alpha["estimate"] == pytest.approx(
        reference[("alpha", "all", "baseline_alpha")], rel=RTOL
    )
    inter = _get(stats, "mixed_model", "wave[post]:group[intervention]")
    assert inter["estimate"] == pytest.approx(
        reference[("mixed", "all", "interaction_estimate")], rel=RTOL
    )
    assert inter["se"] == pytest.approx(reference[("mixed", "all", "interaction_se")], rel=RTOL)
    assert inter["n"] == reference[("mixed", "all", "n_obs")]


def test_vocabulary_is_documented():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in [*ANALYSES, *POPULATIONS]:
        assert f"`{name}`" in readme, name


def test_paired_takes_each_persons_first_scored_baseline_and_first_follow_up():
    from pipeline.analyse import paired

    scores = pd.DataFrame(
        {
            "respondent_id": ["A", "A", "B", "A", "C", "B", "B", "D"],
            "wave": ["baseline", "baseline", "baseline", "post", "post", "post", "post", "post"],
            "group": ["x", "y", "x", "x", "x", "x", "x", "x"],
            "s": [np.nan, 40.0, 50.0, 45.0, 30.0, 52.0, 99.0, 10.0],
        }
    )
    out = paired(scores, "s", "baseline", "post", ["group"])
    assert list(out.columns) == ["respondent_id", "baseline", "group", "follow"]
    # A: the first baseline has no score, so the second (group y) is used; B: first post
    assert out.to_dict("list") == {
        "respondent_id": ["A", "B"],
        "baseline": [40.0, 50.0],
        "group": ["y", "x"],
        "follow": [45.0, 52.0],
    }
    no_follow = paired(scores, "s", "baseline", "nowhere", [])
    assert no_follow["follow"].isna().all() and no_follow["group"].isna().all()


def test_paired_values_are_thinned_to_at_most_the_cap(fixture_scores, monkeypatch):
    import pipeline.analyse as analyse

    monkeypatch.setattr(analyse, "MAX_SCATTER_POINTS", 25)
    scores, items, subset = fixture_scores
    result = analyse_scores(scores, subset, STUDY, AnalyseOptions(), items)
    entries = result.results["paired_values"]
    assert entries
    for entry in entries:
        assert entry["step"] == -(-entry["n"] // 25) > 1
        assert len(entry["points"]) == -(-entry["n"] // entry["step"]) <= 25
    first = next(e for e in entries if e["score"] == "wemwbs_total")
    assert first["n"] == _get(result.statistics, "paired_change", "mean_change")["n"]
