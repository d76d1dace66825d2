"""Time the random-intercept REML fit against lme4 on synthetic respondents x 2 waves.

Run from the project root (not part of the test suite)::

    .venv/bin/python benchmarks/bench_mixed.py [N_RESPONDENTS ...] [--statsmodels]

Default sizes: 10,000 and 100,000 respondents, each with a baseline and a post wave
(10% miss the post wave), two groups and an age covariate; the model is
``score ~ wave * group + age + (1 | id)``. For each size the script prints the time of
:func:`pipeline.mixed.fit_random_intercept` (first call, and best of 3) and, when
``Rscript`` with lme4 is on the PATH, the ``system.time()`` of the same ``lmer`` REML fit
(lme4's default optimiser and tolerances; reading the CSV and starting R excluded) with
the largest relative differences between the two sets of estimates. ``--statsmodels``
also times ``statsmodels.MixedLM`` (REML) at sizes up to 10,000 respondents.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.mixed import MixedResult, fit_random_intercept

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$wave <- factor(d$wave, levels = c("baseline", "post"))
d$group <- factor(d$group, levels = c("comparison", "intervention"))
d$id <- factor(d$id)
elapsed <- system.time(
  fit <- lmer(score ~ wave * group + age + (1 | id), data = d, REML = TRUE)
)[["elapsed"]]
co <- coef(summary(fit))
vc <- as.data.frame(VarCorr(fit))
out <- data.frame(
  term = c(rownames(co), rownames(co), "sigma2_e", "sigma2_u", "logLik", "elapsed"),
  quantity = c(rep("estimate", nrow(co)), rep("se", nrow(co)), rep("scalar", 4)),
  value = sprintf("%.17g", c(co[, "Estimate"], co[, "Std. Error"],
                             vc$vcov[vc$grp == "Residual"], vc$vcov[vc$grp == "id"],
                             as.numeric(logLik(fit)), elapsed))
)
write.csv(out, args[2], row.names = FALSE)
"""


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    """Return ``n`` respondents x (baseline, post) with 10% missing the post wave."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n), 2)
    post = np.tile([0, 1], n)
    keep = (post == 0) | np.repeat(rng.random(n) >= 0.1, 2)
    treat = np.repeat(rng.integers(0, 2, n), 2)
    age = np.repeat(rng.integers(18, 86, n), 2).astype(float)
    u = np.repeat(rng.normal(0.0, 6.0, n), 2)
    score = 44.0 + 1.0 * post + 0.5 * treat + 3.0 * post * treat - 0.05 * (age - 50)
    score = score + u + rng.normal(0.0, 5.0, 2 * n)
    d = pd.DataFrame(
        {
            "id": ids,
            "wave": np.where(post == 1, "post", "baseline"),
            "group": np.where(treat == 1, "intervention", "comparison"),
            "age": age,
            "score": np.round(score, 6),
        }
    )
    return d[keep].reset_index(drop=True)


def design(d: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Treatment-coded model matrix in lme4's column order."""
    post = (d["wave"] == "post").to_numpy(float)
    treat = (d["group"] == "intervention").to_numpy(float)
    X = np.column_stack([np.ones(len(d)), post, treat, d["age"].to_numpy(float), post * treat])
    return X, ["(Intercept)", "wavepost", "groupintervention", "age", "wavepost:groupintervention"]


def time_ours(d: pd.DataFrame) -> tuple[MixedResult, float, float]:
    """Fit 3 times; return the fit, the first call's and the best time in seconds."""
    X, names = design(d)
    y, groups = d["score"].to_numpy(float), d["id"].to_numpy()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fit = fit_random_intercept(y, X, groups, names)
        times.append(time.perf_counter() - start)
    return fit, times[0], min(times)


def time_lme4(d: pd.DataFrame, folder: Path) -> tuple[pd.DataFrame, float]:
    """Fit with lme4 via Rscript; return its estimates and the lmer elapsed seconds."""
    data, out, script = folder / "data.csv", folder / "lme4.csv", folder / "fit.R"
    d.to_csv(data, index=False)
    script.write_text(R_SCRIPT, encoding="utf-8")
    subprocess.run(["Rscript", str(script), str(data), str(out)], check=True)
    res = pd.read_csv(out)
    elapsed = float(res.loc[res["term"] == "elapsed", "value"].iloc[0])
    return res, elapsed


def time_statsmodels(d: pd.DataFrame) -> float:
    """Seconds for statsmodels' MixedLM REML fit of the same model."""
    import statsmodels.api as sm

    X, _ = design(d)
    start = time.perf_counter()
    sm.MixedLM(d["score"].to_numpy(float), X, groups=d["id"].to_numpy()).fit(reml=True)
    return time.perf_counter() - start


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest ``|a - b| / |b|``."""
    a, b = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    return float(np.max(np.abs(a - b) / np.abs(b)))


def main(argv: list[str]) -> None:
    """Run the benchmark for each size given on the command line."""
    with_sm = "--statsmodels" in argv
    sizes = [int(a) for a in argv if not a.startswith("--")] or [10_000, 100_000]
    have_r = shutil.which("Rscript") is not None
    if not have_r:
        print("Rscript not found: timing pipeline.mixed only")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            d = make_data(n)
            fit, first, best = time_ours(d)
            print(
                f"\n{n:,} respondents, {fit.n_obs:,} observations: pipeline.mixed "
                f"{first:.3f} s first call, {best:.3f} s best of 3 "
                f"(converged={fit.converged}, sigma2_u={fit.sigma2_u:.4f}, "
                f"sigma2_e={fit.sigma2_e:.4f})"
            )
            if have_r:
                res, elapsed = time_lme4(d, Path(tmp))
                est = res[res["quantity"] == "estimate"].set_index("term")["value"]
                se = res[res["quantity"] == "se"].set_index("term")["value"]
                sc = res[res["quantity"] == "scalar"].set_index("term")["value"]
                assert list(est.index) == fit.names, (list(est.index), fit.names)
                print(f"  lme4 lmer: {elapsed:.3f} s ({elapsed / best:.0f}x pipeline.mixed best)")
                print(f"  max rel diff estimates: {rel_diff(fit.beta, est):.2e}")
                print(f"  max rel diff std errors: {rel_diff(fit.se, se):.2e}")
                var = rel_diff([fit.sigma2_e, fit.sigma2_u], [sc["sigma2_e"], sc["sigma2_u"]])
                print(f"  max rel diff variance components: {var:.2e}")
                print(f"  rel diff logLik: {rel_diff(fit.reml_loglik, sc['logLik']):.2e}")
            if with_sm and n <= 10_000:
                print(f"  statsmodels MixedLM: {time_statsmodels(d):.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
