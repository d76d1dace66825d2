"""Deterministic synthetic survey batches: the shipped example and benchmark data.

The example imitates an arts-on-prescription scheme's survey-tool export:
intervention and comparison groups, three sites, baseline and follow-up,
WEMWBS answers as response text, GHQ-28 as column positions with ``99`` for
"not answered", GQOL as a number, some item gaps, drop-out at follow-up,
day-first dates, and a few of the problems real exports have (duplicates,
orphan follow-ups, a missing id, unknown labels, an out-of-range code). It is
*synthetic*: no real person's answers.

Answers come from a latent wellbeing score per respondent and wave; the
intervention group gains more than the comparison group, so the analyses have
something to find. Everything is vectorised and seeded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEMWBS_LABELS = np.array(
    ["None of the time", "Rarely", "Some of the time", "Often", "All of the time"]
)
SITES = np.array(["Riverside Library", "Café Arts Hub", "St Anne's Hall"])
GHQ_ITEMS = [f"{s}{i}" for s in "abcd" for i in range(1, 8)]

# Export headers as a survey tool might write them; config/mappings/example.yaml maps them.
HEADERS = {
    "respondent_id": "Participant ID",
    "wave": "Timepoint",
    "group": "Arm",
    "site": "Venue",
    "date": "Date completed",
    "age_band": "Age band",
    "gender": "Gender",
    "sessions_attended": "Sessions attended",
}


def _ordinal(latent: np.ndarray, rng: np.random.Generator, cuts: np.ndarray) -> np.ndarray:
    """Turn latent scores (n x k) plus item noise into 1-based ordinal codes."""
    noisy = latent + rng.normal(0.0, 0.9, size=latent.shape)
    return np.searchsorted(cuts, noisy) + 1


def make_batch(
    n_respondents: int = 300,
    seed: int = 2026,
    comparison_share: float = 1 / 3,
    export_style: bool = True,
) -> pd.DataFrame:
    """Generate a long-layout batch: one row per respondent per returned wave.

    Parameters
    ----------
    n_respondents : int
        Respondents enrolled at baseline.
    seed : int
        Seed for :func:`numpy.random.default_rng`; the same seed gives the same batch.
    comparison_share : float
        Share of respondents in the comparison group (0 for none).
    export_style : bool
        True for survey-tool headers, response text and ``99`` codes (needs
        ``config/mappings/example.yaml``); False for canonical columns and codes.

    Returns
    -------
    pandas.DataFrame
    """
    rng = np.random.default_rng(seed)
    n = n_respondents
    ids = np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 5))
    comparison = rng.random(n) < comparison_share
    group = np.where(comparison, "comparison", "intervention")
    site = SITES[rng.integers(0, len(SITES), n)]
    age = rng.choice(["18-34", "35-54", "55-74", "75+"], n, p=[0.2, 0.35, 0.3, 0.15])
    gender = rng.choice(["Female", "Male", "Other or not stated"], n, p=[0.62, 0.35, 0.03])
    trait = rng.normal(-0.45, 1.0, n)  # referred people start below the population mean
    gain = np.where(comparison, 0.1, 0.6) + rng.normal(0, 0.5, n)
    returned_post = rng.random(n) < np.where(comparison, 0.55, 0.68) + 0.05 * np.tanh(trait)
    start = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 150, n), unit="D")
    follow = start + pd.to_timedelta(rng.integers(70, 100, n), unit="D")
    sessions = np.where(comparison, 0, rng.integers(2, 13, n))

    frames = []
    for wave, latent, dates, keep in (
        ("baseline", trait, start, np.ones(n, bool)),
        ("post", trait + gain, follow, returned_post),
    ):
        m = int(keep.sum())
        lat = latent[keep][:, None]
        wem = _ordinal(np.repeat(lat, 14, axis=1) + 0.9, rng, np.array([-1.6, -0.6, 0.6, 1.9]))
        ghq = _ordinal(np.repeat(-lat, 28, axis=1) - 0.9, rng, np.array([-0.9, 0.5, 1.8]))
        gqol = np.clip(np.round(55 + 15 * lat[:, 0] + rng.normal(0, 10, m)), 0, 100)
        frame = pd.DataFrame(
            {
                "respondent_id": ids[keep],
                "wave": wave,
                "group": group[keep],
                "site": site[keep],
                "date": dates[keep],
                "age_band": age[keep],
                "gender": gender[keep],
                "sessions_attended": sessions[keep] if wave == "post" else 0,
            }
        )
        items = {f"wemwbs_{i + 1}": wem[:, i].astype(float) for i in range(14)}
        items |= {f"ghq28_{code}": ghq[:, i].astype(float) for i, code in enumerate(GHQ_ITEMS)}
        items["gqol_1"] = gqol
        item_frame = pd.DataFrame(items)
        gaps = rng.random(item_frame.shape) < 0.012  # scattered unanswered items
        item_frame = item_frame.mask(gaps)
        frames.append(pd.concat([frame, item_frame], axis=1))
    batch = pd.concat(frames, ignore_index=True)
    order = np.lexsort((batch["wave"] != "baseline", batch["respondent_id"]))
    batch = batch.iloc[order].reset_index(drop=True)
    return _as_export(batch, rng) if export_style else batch


def _plant_problems(batch: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Add the problems real exports have, a few of each, at seeded positions.

    Two exact duplicates, one conflicting duplicate, two follow-ups with no
    baseline, one follow-up dated before its baseline, one missing id, three
    unknown response texts (as ``-1`` codes, written as text later) and one
    out-of-range GHQ code.
    """
    out = batch.copy()
    n = len(out)
    picks = rng.choice(n, 12, replace=False)
    extra = [out.iloc[[picks[0], picks[1]]]]  # exact duplicates
    clash = out.iloc[[picks[2]]].copy()
    clash["wemwbs_1"] = 6 - clash["wemwbs_1"].fillna(3)  # same person and wave, other answer
    extra.append(clash)
    post_rows = np.flatnonzero(out["wave"].to_numpy() == "post")
    orphans = out.iloc[rng.choice(post_rows, 2, replace=False)].copy()
    orphans["respondent_id"] = ["P90001", "P90002"]
    extra.append(orphans)
    early = rng.choice(post_rows)
    out.loc[early, "date"] = out.loc[early, "date"] - pd.Timedelta(days=200)
    out.loc[picks[3], "respondent_id"] = None
    for row, item in zip(picks[4:7], (3, 8, 12), strict=True):
        out.loc[row, f"wemwbs_{item}"] = -1.0  # becomes the unknown text "Sometimes"
    out.loc[picks[7], "ghq28_b2"] = 5.0
    return pd.concat([out, *extra], ignore_index=True)


def _as_export(batch: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Dress a canonical batch as a survey-tool export, with a few planted problems."""
    out = _plant_problems(batch, rng)
    wem_cols = [f"wemwbs_{i}" for i in range(1, 15)]
    labels = np.append(WEMWBS_LABELS, "Sometimes")  # code -1 -> index 5: not a WEMWBS label
    for col in wem_cols:
        codes = out[col]
        index = codes.fillna(1).astype(int).where(codes != -1, 6) - 1
        out[col] = pd.Series(labels[index], index=out.index).where(codes.notna(), "")
    ghq_cols = [f"ghq28_{c}" for c in GHQ_ITEMS]
    ghq = out[ghq_cols]
    out[ghq_cols] = ghq.fillna(99).astype(int)
    out["gqol_1"] = out["gqol_1"].astype("Int64").astype("string").fillna("")
    out["wave"] = np.where(out["wave"] == "baseline", "Baseline", "Follow-up")
    spelled = rng.random(len(out)) < 0.05
    out.loc[spelled & (out["wave"] == "Follow-up"), "wave"] = "post"
    out["group"] = np.where(out["group"] == "comparison", "Waiting list", "Arts on prescription")
    out["date"] = out["date"].dt.strftime("%d/%m/%Y")
    renames = dict(HEADERS)
    renames |= {f"wemwbs_{i}": f"WEMWBS Q{i}" for i in range(1, 15)}
    renames |= {f"ghq28_{c}": f"GHQ {c.upper()}" for c in GHQ_ITEMS}
    renames["gqol_1"] = "Quality of life (0-100)"
    return out.rename(columns=renames)
