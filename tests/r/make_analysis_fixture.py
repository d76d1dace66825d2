"""Write tests/r/analysis_fixture.csv: a synthetic scores table for the analysis stage.

Deterministic (numpy only, fixed seed). Run from the project root:

    python tests/r/make_analysis_fixture.py

Then re-run ``Rscript tests/r/analysis_reference.R`` to refresh analysis_reference.csv.

Layout: LONG, one row per respondent per wave, columns
respondent_id, wave (baseline|post), group (intervention|comparison), site, age_band,
sessions_attended (0 for comparison), wemwbs_1..wemwbs_14 (codes 1-5, empty if missing),
wemwbs_total (sum of the 14 items, empty when any item is missing), gqol_score (0-100).

Design: ~260 respondents at baseline, ~2/3 intervention, ~70% with a post row (drop-out a
little more likely at lower baseline wellbeing), baseline WEMWBS mean ~44 (SD ~9); post
items of completers are built from their baseline items (a person-level latent trait that
carries over plus item-level carry-over), so baseline and post totals correlate ~0.6; the
intervention group improves ~4 points more than the comparison group. A few rows at each
wave have exactly one item missing.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 20260417
N = 260
N_ITEMS = 14
SITES = ["Riverside Library", "Northgate Centre", "Hillcrest Studio"]
AGE_BANDS = ["18-34", "35-54", "55+"]
OUT = Path(__file__).resolve().parent / "analysis_fixture.csv"

# item-level model: code = clip(round(MU + A * theta + item_offset + e), 1, 5)
MU = 3.07
A = 0.62
E_SD = 0.62


def _items(latent: np.ndarray, resid: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    raw = MU + A * latent[:, None] + offsets[None, :] + resid
    return np.clip(np.rint(raw), 1, 5).astype(int)


def main() -> None:
    rng = np.random.default_rng(SEED)
    ids = [f"R{i:04d}" for i in range(1, N + 1)]
    intervention = rng.random(N) < 2 / 3
    group = np.where(intervention, "intervention", "comparison")
    site = rng.choice(SITES, size=N, p=[0.40, 0.35, 0.25])
    age = rng.choice(AGE_BANDS, size=N, p=[0.30, 0.40, 0.30])
    age_shift = np.select([age == "18-34", age == "35-54"], [-0.15, 0.0], 0.15)

    offsets = rng.normal(0.0, 0.18, N_ITEMS)
    offsets -= offsets.mean()

    # baseline
    theta_b = rng.normal(0.0, 1.0, N) + age_shift
    e_b = rng.normal(0.0, E_SD, (N, N_ITEMS))
    items_b = _items(theta_b, e_b, offsets)

    # attendance (intervention only), 1-12 sessions
    sessions = np.where(intervention, np.clip(rng.poisson(6.5, N), 1, 12), 0)

    # drop-out: a little more likely at lower baseline wellbeing (MAR on baseline)
    logit = 0.85 + 0.35 * theta_b
    has_post = rng.random(N) < 1 / (1 + np.exp(-logit))

    # post: latent carries over (r ~ 0.7), item residuals carry over partly
    rho = 0.70
    gain = np.where(intervention, 0.80 + 0.02 * (sessions - 6.5), 0.25)
    theta_p = rho * theta_b + np.sqrt(1 - rho**2) * rng.normal(0.0, 1.0, N) + gain
    theta_p += (1 - rho) * age_shift
    e_p = 0.35 * e_b + np.sqrt(1 - 0.35**2) * rng.normal(0.0, E_SD, (N, N_ITEMS))
    items_p = _items(theta_p, e_p, offsets)

    # GQOL 0-100, related to wellbeing
    gqol_b = np.clip(np.rint(55 + 14 * theta_b + rng.normal(0, 12, N)), 0, 100).astype(int)
    gqol_p = np.clip(np.rint(55 + 14 * theta_p + rng.normal(0, 12, N)), 0, 100).astype(int)

    # one item missing in a few rows at each wave
    miss_b = np.zeros((N, N_ITEMS), dtype=bool)
    for r in rng.choice(N, size=6, replace=False):
        miss_b[r, rng.integers(N_ITEMS)] = True
    miss_p = np.zeros((N, N_ITEMS), dtype=bool)
    post_rows = np.flatnonzero(has_post)
    for r in rng.choice(post_rows, size=4, replace=False):
        miss_p[r, rng.integers(N_ITEMS)] = True

    header = (
        ["respondent_id", "wave", "group", "site", "age_band", "sessions_attended"]
        + [f"wemwbs_{k}" for k in range(1, N_ITEMS + 1)]
        + ["wemwbs_total", "gqol_score"]
    )
    rows = []
    for wave, items, miss, gqol, present in (
        ("baseline", items_b, miss_b, gqol_b, np.ones(N, dtype=bool)),
        ("post", items_p, miss_p, gqol_p, has_post),
    ):
        for i in range(N):
            if not present[i]:
                continue
            cells = ["" if miss[i, k] else str(items[i, k]) for k in range(N_ITEMS)]
            total = "" if miss[i].any() else str(int(items[i].sum()))
            rows.append(
                [ids[i], wave, group[i], site[i], age[i], str(int(sessions[i]))]
                + cells
                + [total, str(int(gqol[i]))]
            )
    rows.sort(key=lambda r: (r[0], r[1] != "baseline"))
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
