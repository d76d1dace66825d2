"""Random-intercept REML fits against lme4 (tests/r/mixed.R) and statsmodels' MixedLM."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.mixed import MixedResult, fit_random_intercept

R_DIR = Path(__file__).parent / "r"
WAVES = ["baseline", "post", "followup_6m"]
GROUPS = ["comparison", "intervention"]
# model name in mixed_reference.csv -> (outcome column, with the age covariate)
MODELS = {
    "interaction": ("score", False),
    "covariate": ("score", True),
    "boundary": ("score_noise", False),
}
RTOL = 1e-6


@pytest.fixture(scope="module")
def fixture_data() -> pd.DataFrame:
    return pd.read_csv(R_DIR / "mixed_fixture.csv")


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(R_DIR / "mixed_reference.csv", keep_default_na=False)


def treatment_design(d: pd.DataFrame, covariate: bool) -> tuple[np.ndarray, list[str]]:
    """Model matrix of ``~ wave * group (+ age)`` as R builds it with contr.treatment.

    Columns in R's order: intercept, non-reference wave levels, non-reference group
    levels, the covariate, then the interactions (wave varying fastest). Missing ``age``
    stays NaN so that the fit has to drop those rows itself, as lmer's na.omit does.
    """
    cols: dict[str, np.ndarray] = {"(Intercept)": np.ones(len(d))}
    wave = {w: (d["wave"] == w).to_numpy(float) for w in WAVES[1:]}
    group = {g: (d["group"] == g).to_numpy(float) for g in GROUPS[1:]}
    cols.update({f"wave{w}": v for w, v in wave.items()})
    cols.update({f"group{g}": v for g, v in group.items()})
    if covariate:
        cols["age"] = d["age"].to_numpy(float)
    for g, gv in group.items():
        for w, wv in wave.items():
            cols[f"wave{w}:group{g}"] = wv * gv
    return np.column_stack(list(cols.values())), list(cols)


def r_values(reference: pd.DataFrame, model: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    ref = reference[reference["model"] == model]
    est = ref[ref["quantity"] == "estimate"].set_index("term")["value"].astype(float)
    se = ref[ref["quantity"] == "std_error"].set_index("term")["value"].astype(float)
    scalars = ref[ref["term"] == ""].set_index("quantity")["value"].astype(float)
    return est, se, scalars


def fit_model(d: pd.DataFrame, model: str) -> MixedResult:
    outcome, covariate = MODELS[model]
    X, names = treatment_design(d, covariate)
    return fit_random_intercept(d[outcome].to_numpy(float), X, d["id"].to_numpy(), names)


@pytest.mark.parametrize("model", list(MODELS))
def test_matches_lme4(fixture_data, reference, model):
    est, se, scalars = r_values(reference, model)
    fit = fit_model(fixture_data, model)
    assert fit.converged
    assert fit.names == list(est.index)  # same terms in R's coefficient order
    assert fit.n_obs == scalars["n_obs"]
    assert fit.n_groups == scalars["n_groups"]
    np.testing.assert_allclose(fit.beta, est.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(fit.se, se.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(fit.sigma2_e, scalars["sigma2_e"], rtol=RTOL)
    np.testing.assert_allclose(fit.reml_loglik, scalars["logLik"], rtol=RTOL)
    assert fit.singular == bool(scalars["singular"])
    if model == "boundary":
        assert scalars["sigma2_u"] < 1e-10
        assert fit.sigma2_u == pytest.approx(0.0, abs=1e-10)
    else:
        np.testing.assert_allclose(fit.sigma2_u, scalars["sigma2_u"], rtol=RTOL)


def test_table_is_lme4_summary(fixture_data, reference):
    est, se, _ = r_values(reference, "covariate")
    table = fit_model(fixture_data, "covariate").table()
    assert list(table.columns) == ["term", "estimate", "se", "statistic", "ci_low", "ci_high"]
    assert table["term"].tolist() == list(est.index)
    np.testing.assert_allclose(table["statistic"], est / se, rtol=RTOL)  # lme4's t value
    np.testing.assert_allclose(table["ci_low"], est - 1.96 * se, rtol=RTOL)
    np.testing.assert_allclose(table["ci_high"], est + 1.96 * se, rtol=RTOL)


def test_boundary_fit_is_ols(fixture_data):
    """At sigma2_u = 0 the REML fit is OLS with sigma2_e = RSS / (N - p), as in lme4."""
    fit = fit_model(fixture_data, "boundary")
    X, _ = treatment_design(fixture_data, covariate=False)
    y = fixture_data["score_noise"].to_numpy(float)
    beta, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    n, p = X.shape
    np.testing.assert_allclose(fit.beta, beta, rtol=1e-10)
    np.testing.assert_allclose(fit.sigma2_e, rss[0] / (n - p), rtol=1e-10)
    np.testing.assert_allclose(fit.cov, rss[0] / (n - p) * np.linalg.inv(X.T @ X), rtol=1e-8)


def _statsmodels_fit(y, X, groups):
    sm = pytest.importorskip("statsmodels.api")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter from its first optimiser steps
        # BFGS with a tight gradient tolerance: the default stops ~1e-5 short of the optimum.
        return sm.MixedLM(y, X, groups=groups).fit(reml=True, method=["bfgs"], gtol=1e-10)


def test_matches_statsmodels_dietox():
    """statsmodels' own MixedLM example (Weight ~ Time, random intercept per Pig)."""
    pytest.importorskip("statsmodels")
    from statsmodels.regression.tests import results as sm_results

    path = Path(sm_results.__file__).parent / "dietox.csv"
    if not path.exists():
        pytest.skip("statsmodels test data not installed")
    d = pd.read_csv(path)
    X = np.column_stack([np.ones(len(d)), d["Time"].to_numpy(float)])
    y = d["Weight"].to_numpy(float)
    ref = _statsmodels_fit(y, X, d["Pig"].to_numpy())
    fit = fit_random_intercept(y, X, d["Pig"].to_numpy(), ["Intercept", "Time"])
    assert ref.converged and fit.converged
    np.testing.assert_allclose(fit.beta, ref.fe_params, rtol=1e-5)
    np.testing.assert_allclose(fit.sigma2_e, ref.scale, rtol=1e-5)
    np.testing.assert_allclose(fit.sigma2_u, np.asarray(ref.cov_re)[0, 0], rtol=1e-5)
    np.testing.assert_allclose(fit.reml_loglik, ref.llf, rtol=1e-5)
    # statsmodels takes its SEs from the observed information of all parameters jointly
    # (the beta-variance cross terms vanish only in expectation), not from lme4's
    # sigma2_e (X'V^-1 X)^-1; they agree to ~2e-7 here, but need not in general.
    np.testing.assert_allclose(fit.se, ref.bse_fe, rtol=1e-5)


def test_matches_statsmodels_unbalanced():
    rng = np.random.default_rng(3)
    sizes = rng.integers(1, 5, 80)  # clusters of 1-4 observations
    groups = np.repeat(np.arange(80), sizes)
    n = groups.size
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    y = X @ [10.0, 1.5, -2.0] + rng.normal(0, 1.2, 80)[groups] + rng.normal(0, 1, n)
    ref = _statsmodels_fit(y, X, groups)
    fit = fit_random_intercept(y, X, groups)
    assert fit.names == ["x0", "x1", "x2"]
    np.testing.assert_allclose(fit.beta, ref.fe_params, rtol=1e-5)
    np.testing.assert_allclose(fit.sigma2_e, ref.scale, rtol=1e-5)
    np.testing.assert_allclose(fit.sigma2_u, np.asarray(ref.cov_re)[0, 0], rtol=1e-5)
    np.testing.assert_allclose(fit.reml_loglik, ref.llf, rtol=1e-5)


def test_drops_incomplete_rows(fixture_data):
    d = fixture_data
    X, names = treatment_design(d, covariate=False)
    y = d["score"].to_numpy(float)
    groups = d["id"].to_numpy(object)
    full = fit_random_intercept(y, X, groups, names)
    y2, X2, g2 = y.copy(), X.copy(), groups.copy()
    y2[[0, 5]] = np.nan
    X2[[10, 11], 1] = np.nan
    g2[20] = None
    keep = np.ones(len(y), bool)
    keep[[0, 5, 10, 11, 20]] = False
    dropped = fit_random_intercept(y2, X2, g2, names)
    subset = fit_random_intercept(y[keep], X[keep], groups[keep], names)
    assert dropped.n_obs == len(y) - 5 == subset.n_obs
    assert dropped.n_groups == subset.n_groups
    np.testing.assert_allclose(dropped.beta, subset.beta, rtol=1e-12)
    np.testing.assert_allclose(dropped.se, subset.se, rtol=1e-12)
    assert dropped.reml_loglik == pytest.approx(subset.reml_loglik, rel=1e-12)
    assert not np.allclose(dropped.beta, full.beta, rtol=1e-9, atol=0)


def test_invariant_to_row_order_and_labels(fixture_data):
    d = fixture_data
    fit = fit_model(d, "covariate")
    shuffled = d.sample(frac=1.0, random_state=7).reset_index(drop=True)
    shuffled["id"] = pd.factorize(shuffled["id"])[0] * 3 + 1000  # integer labels
    refit = fit_model(shuffled, "covariate")
    np.testing.assert_allclose(refit.beta, fit.beta, rtol=1e-9)
    np.testing.assert_allclose(refit.se, fit.se, rtol=1e-9)
    np.testing.assert_allclose(refit.sigma2_u, fit.sigma2_u, rtol=1e-9)
    assert refit.reml_loglik == pytest.approx(fit.reml_loglik, rel=1e-12)


def test_result_is_frozen(fixture_data):
    fit = fit_model(fixture_data, "interaction")
    with pytest.raises(AttributeError):
        fit.sigma2_u = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        fit.beta[0] = 0.0


def test_rank_deficient_raises(fixture_data):
    X, names = treatment_design(fixture_data, covariate=False)
    X = np.column_stack([X, X[:, 1] + X[:, 2]])
    with pytest.raises(ValueError, match="rank-deficient"):
        fit_random_intercept(
            fixture_data["score"].to_numpy(float), X, fixture_data["id"], names + ["any_follow_up"]
        )


def test_fewer_than_two_groups_raises():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(20), rng.normal(size=20)])
    with pytest.raises(ValueError, match="at least 2 groups"):
        fit_random_intercept(rng.normal(size=20), X, np.zeros(20))
    groups = np.array([0.0] * 10 + [np.nan] * 10)  # second group only on dropped rows
    with pytest.raises(ValueError, match="at least 2 groups"):
        fit_random_intercept(rng.normal(size=20), X, groups)


def test_all_singleton_groups_raises():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(20), rng.normal(size=20)])
    with pytest.raises(ValueError, match="not identifiable"):
        fit_random_intercept(rng.normal(size=20), X, np.arange(20))


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same length"):
        fit_random_intercept(np.zeros(5), np.ones((4, 1)), np.arange(5))
    with pytest.raises(ValueError, match="names"):
        fit_random_intercept(np.zeros(5), np.ones((5, 1)), np.arange(5), ["a", "b"])


def test_large_sample_recovers_truth():
    """200,000 observations (100,000 respondents x 2 waves): no timing, just sanity."""
    rng = np.random.default_rng(11)
    n_resp = 100_000
    ids = np.repeat(np.arange(n_resp), 2)
    post = np.tile([0.0, 1.0], n_resp)
    treat = np.repeat(rng.integers(0, 2, n_resp), 2).astype(float)
    X = np.column_stack([np.ones(ids.size), post, treat, post * treat])
    y = X @ [45.0, 1.0, 0.5, 3.0] + rng.normal(0, 6, n_resp)[ids] + rng.normal(0, 5, ids.size)
    fit = fit_random_intercept(y, X, ids)
    assert fit.converged and fit.n_obs == 200_000 and fit.n_groups == n_resp
    assert np.all(np.abs(fit.beta - [45.0, 1.0, 0.5, 3.0]) < 4 * fit.se)
    assert fit.sigma2_e == pytest.approx(25.0, rel=0.02)
    assert fit.sigma2_u == pytest.approx(36.0, rel=0.03)


def test_exact_fit_raises():
    groups = np.repeat(np.arange(10), 3)
    X = np.column_stack([np.ones(30), np.arange(30.0)])
    with pytest.raises(ValueError, match="exact linear function"):
        fit_random_intercept(X @ [1.0, 2.0], X, groups)


def test_no_within_cluster_variation_is_flagged():
    groups = np.repeat(np.arange(10), 3)
    X = np.column_stack([np.ones(30), np.arange(30.0)])
    y = X @ [1.0, 2.0] + np.repeat(np.sin(np.arange(10.0)), 3)  # residuals constant per cluster
    assert not fit_random_intercept(y, X, groups).converged
