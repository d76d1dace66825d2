from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyse import DESCRIPTIVE_COLUMNS, descriptives


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
    values = np.array([40.0, 50.0, 30.0])
    assert row["n"].item() == 3
    assert row["mean"].item() == 40.0
    assert row["sd"].item() == np.std(values, ddof=1)  # 10.0
    assert (row["median"].item(), row["q1"].item(), row["q3"].item()) == (40.0, 35.0, 45.0)
    post = out[(out.score == "wemwbs_total") & (out.wave == "post") & (out.group == "intervention")]
    assert post["n"].item() == 1 and post["mean"].item() == 44.0 and np.isnan(post["sd"].item())
    # order: score (definition order), wave (study order), "all" first
    first = out[out.score == "gqol_score"][["wave", "group"]].values.tolist()[:3]
    assert first == [["baseline", "all"], ["baseline", "comparison"], ["baseline", "intervention"]]
    assert set(out["instrument"]) == {"wemwbs", "gqol"}
