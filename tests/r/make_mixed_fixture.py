"""Generate tests/r/mixed_fixture.csv for the random-intercept model tests.

Run from the project root (deterministic; numpy + stdlib only)::

    python tests/r/make_mixed_fixture.py

About 400 respondents in two groups (comparison, intervention) are followed over
three waves (baseline, post, followup_6m). Some drop out after baseline or after
post, and a few miss post but return at follow-up, so the clusters are
unbalanced and some respondents have a single observation. Columns:

* ``score`` -- a WEMWBS-like total (integer, 14-70) with a respondent random
  intercept (sd 6), residual sd 5, a group-by-wave effect and an age slope;
* ``score_noise`` -- the same fixed effects but *no* respondent effect
  (true sigma_u = 0) and a non-integer outcome, so the REML fit of
  ``score_noise ~ wave * group + (1 | id)`` lies on the boundary (a singular fit);
* ``age`` -- age in years at baseline, missing for a few respondents (those rows
  drop out of the model with the covariate only).

``tests/r/mixed.R`` fits the models with lme4 and writes the reference values.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("mixed_fixture.csv")
WAVES = ("baseline", "post", "followup_6m")
N_RESPONDENTS = 400
SEED = 20240611


def main() -> None:
    """Write the fixture CSV."""
    rng = np.random.default_rng(SEED)
    rows = []
    for i in range(N_RESPONDENTS):
        rid = f"R{i:04d}"
        group = "intervention" if rng.random() < 0.5 else "comparison"
        age = int(rng.integers(18, 86))
        age_text = "" if rng.random() < 0.03 else str(age)
        u = rng.normal(0.0, 6.0)
        # Attendance pattern: all three waves, drop after baseline, drop after post,
        # or miss post and return at follow-up.
        r = rng.random()
        if r < 0.55:
            present = (True, True, True)
        elif r < 0.72:
            present = (True, False, False)
        elif r < 0.92:
            present = (True, True, False)
        else:
            present = (True, False, True)
        for w, wave in enumerate(WAVES):
            if not present[w]:
                continue
            # Group difference of 1 at baseline; the intervention gains more by post.
            if group == "intervention":
                effect = 1.0 + (0.0, 4.0, 2.5)[w]
            else:
                effect = (0.0, 1.0, 0.5)[w]
            mean = 44.0 + effect - 0.04 * (age - 50)
            score = float(np.clip(np.rint(mean + u + rng.normal(0.0, 5.0)), 14, 70))
            noise = mean + rng.normal(0.0, 5.0)
            rows.append(
                {
                    "id": rid,
                    "wave": wave,
                    "group": group,
                    "age": age_text,
                    "score": f"{score:.0f}",
                    "score_noise": f"{noise:.4f}",
                }
            )
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} rows, {N_RESPONDENTS} respondents)")


if __name__ == "__main__":
    main()
