"""Fast look-ups of respondent ids (or any key column) by integer codes.

Comparing text ids value by value (``Series.isin``, ``Index.get_indexer``) is the
slowest thing a national-scale batch does; coding both sides in one
``pandas.factorize`` pass and working on the integer codes gives the same answer
several times faster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _codes(values: pd.Series, other: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Code ``values`` and ``other`` together; missing values get -1."""
    both = pd.concat(
        [values.reset_index(drop=True), other.reset_index(drop=True)], ignore_index=True
    )
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    return codes[: len(values)], codes[len(values) :], len(uniques)


def member(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """Return a boolean array: True where a value occurs in ``pool`` (missing never does).

    Parameters
    ----------
    values, pool : pandas.Series
        Keys of any hashable dtype.

    Returns
    -------
    numpy.ndarray
        Same length as ``values``.
    """
    mine, theirs, size = _codes(values, pool)
    seen = np.zeros(size + 1, dtype=bool)  # the extra slot takes -1 (missing)
    seen[theirs] = True
    seen[-1] = False
    return seen[mine]


def positions(values: pd.Series, index: pd.Series) -> np.ndarray:
    """Return, for each value, its position in ``index`` (unique keys), or -1.

    Parameters
    ----------
    values : pandas.Series
        Keys to look up.
    index : pandas.Series
        Unique keys; position ``i`` is returned for ``index.iloc[i]``.

    Returns
    -------
    numpy.ndarray of int64
    """
    mine, theirs, size = _codes(values, index)
    where = np.full(size + 1, -1, dtype="int64")
    where[theirs] = np.arange(len(theirs))
    where[-1] = -1
    return where[mine]
