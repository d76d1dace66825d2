"""Integer-coded id look-ups agree with pandas' own (slower) ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.keys import member, positions


@pytest.mark.parametrize("dtype", ["str", "string", "object"])
def test_member_matches_isin(dtype):
    rng = np.random.default_rng(3)
    values = pd.Series([f"P{i}" for i in rng.integers(0, 60, 500)], dtype=dtype)
    values[::17] = None
    pool = pd.Series([f"P{i}" for i in rng.integers(0, 60, 40)] + [None], dtype="str")
    expected = values.isin(pool.dropna()).to_numpy(dtype=bool) & values.notna().to_numpy()
    np.testing.assert_array_equal(member(values, pool), expected)


def test_member_never_matches_missing_and_handles_empty_pools():
    values = pd.Series(["a", None, "b"], dtype="string")
    np.testing.assert_array_equal(member(values, pd.Series([None, "b"])), [False, False, True])
    np.testing.assert_array_equal(member(values, pd.Series([], dtype="str")), [False] * 3)


def test_positions_match_get_indexer():
    rng = np.random.default_rng(4)
    index = pd.Series([f"id{i}" for i in rng.permutation(100)[:70]], dtype="str")
    values = pd.Series([f"id{i}" for i in rng.integers(0, 100, 400)] + [None], dtype="string")
    expected = pd.Index(index).get_indexer(values.astype(object).where(values.notna(), None))
    np.testing.assert_array_equal(positions(values, index), expected)
    assert positions(values, index).dtype == np.int64
