"""Multiple imputation: the closed-form sums give what analysing each completed set gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import imputation


def _data(n: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < 0.5, "intervention", "comparison")
    baseline = rng.normal(45, 8, n).round()
    follow = baseline + 2 + 3 * (group == "intervention") + rng.normal(0, 5, n)
    follow[rng.random(n) < 0.3] = np.nan
    site = rng.choice(["north", "south", "east"], n)
    age = rng.normal(50, 12, n)
    return pd.DataFrame(
        {"baseline": baseline, "follow": follow, "group": group, "site": site, "age": age}
    )


def _by_hand(data, intervention, m, seed, grid, worse):
    """Complete each data set explicitly and fit each analysis with least squares."""
    rng = np.random.default_rng(seed)
    X = imputation._predictors(data, ["age"], ["site"], intervention)
    y = data["follow"].to_numpy(float)
    missing = np.isnan(y)
    draws = imputation.impute_norm(y, X, m, rng)
    base = data["baseline"].to_numpy(float)
    treated = (data["group"] == intervention).to_numpy(float)
    design = np.column_stack([np.ones(len(y)), base, treated])
    out = []
    for delta in grid:
        changes, change_vars, effects, effect_vars = [], [], [], []
        for draw in draws:
            completed = y.copy()
            completed[missing] = draw + worse * delta
            d = completed - base
            changes.append(d.mean())
            change_vars.append(d.var(ddof=1) / len(d))
            completed[missing] = draw + worse * delta * treated[missing]
            beta, rss, *_ = np.linalg.lstsq(design, completed, rcond=None)
            cov = rss[0] / (len(y) - 3) * np.linalg.inv(design.T @ design)
            effects.append(beta[2])
            effect_vars.append(cov[2, 2])
        out.append(
            (
                imputation.pool(changes, change_vars, len(y) - 1),
                imputation.pool(effects, effect_vars, len(y) - 3),
            )
        )
    return out


def test_closed_form_sums_match_analysing_every_completed_set():
    data = _data()
    grid = (0.0, 1.5, 4.0)
    fast = imputation.analyse_imputed(data, "intervention", ["age"], ["site"], 7, 11, grid, -1)
    slow = _by_hand(data, "intervention", 7, 11, grid, -1)
    assert [d for d, _ in fast] == list(grid)
    for (_, got), (change, effect) in zip(fast, slow, strict=True):
        for ours, theirs in ((got.change, change), (got.group_effect, effect)):
            assert ours.estimate == pytest.approx(theirs.estimate, rel=1e-10, abs=1e-10)
            assert ours.se == pytest.approx(theirs.se, rel=1e-9)
            assert ours.df == pytest.approx(theirs.df, rel=1e-8)
        assert got.n_missing == int(data["follow"].isna().sum())


def test_nothing_missing_gives_the_complete_data_answer():
    data = _data().assign(follow=lambda d: d["baseline"] + 1.0 + np.arange(len(d)) % 3)
    (delta, result), *_ = imputation.analyse_imputed(data, None, [], [], 5, 1, (0.0, 2.0), -1)
    d = data["follow"] - data["baseline"]
    assert result.n_missing == 0 and result.group_effect is None
    assert result.change.estimate == pytest.approx(d.mean(), rel=1e-12)
    assert result.change.se == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)), rel=1e-10)
