"""Golden tests for the scoring stage.

Each ``tests/data/golden/<name>_items.csv`` is scored with ``pipeline.score.score_items``
and every column of ``<name>_expected.csv`` is compared with the output. The expected
values are an independent hand calculation from the published scoring rules (shared
reference instruments.md), written by ``tests/data/golden/make_golden.py``; regenerate with
``python tests/data/golden/make_golden.py``.

Property tests (hypothesis) check, for random valid answers, that GHQ-28 method totals are
ordered GHQ <= C-GHQ <= Likert (also per item) and that every score stays within the range
declared in the instrument's YAML.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ConfigError
from pipeline.instruments import with_missing_rule
from pipeline.score import score_items

ROOT = Path(__file__).resolve().parents[1]

GOLDEN = ROOT / "tests" / "data" / "golden"
TOL = 1e-9

# (fixture name, instrument id, missing rule override or None)
FIXTURES = [
    ("wemwbs", "wemwbs", None),
    ("wemwbs_prorate2", "wemwbs", ("prorate", 2)),
    ("swemwbs", "swemwbs", None),
    ("swemwbs_from_wemwbs", "swemwbs", None),
    ("ghq28", "ghq28", None),
    ("gqol", "gqol", None),
    ("ons4", "ons4", None),
    ("ucla3", "ucla3", None),
]

GHQ_SUBSCALES = ["somatic", "anxiety_insomnia", "social_dysfunction", "severe_depression"]
GHQ_ITEMS = [f"ghq28_{s}{i}" for s in "abcd" for i in range(1, 8)]
GHQ_POSITIVE = {"ghq28_a1", "ghq28_c1", "ghq28_c3", "ghq28_c4", "ghq28_c5", "ghq28_c6", "ghq28_c7"}


def _with_rule(instruments, inst_id, rule):
    if rule is None:
        return instruments
    out = dict(instruments)
    out[inst_id] = with_missing_rule(instruments[inst_id], rule[0], rule[1])
    return out


def _read_items(name: str) -> pd.DataFrame:
    items = pd.read_csv(GOLDEN / f"{name}_items.csv", dtype={"respondent_id": str})
    item_cols = [c for c in items.columns if c not in ("respondent_id", "wave")]
    items[item_cols] = items[item_cols].astype(float)
    return items


def _read_expected(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / f"{name}_expected.csv", dtype=str, keep_default_na=False)


def _kind(column: str) -> str:
    if column.endswith("_status") or column.endswith("_missing_rule") or "_band_" in column:
        return "text"
    if column.endswith("_n_answered"):
        return "int"
    if column.endswith("_prorated"):
        return "bool"
    return "float"


def _text(values) -> list:
    return [
        None if (v is None or (not isinstance(v, str) and pd.isna(v))) else str(v) for v in values
    ]


def _compare(out: pd.DataFrame, expected: pd.DataFrame) -> list[str]:
    """Return one message per mismatching (row, column); an empty list when all agree."""
    problems = []
    ids = expected["respondent_id"].tolist()
    cases = expected["case"].tolist()
    for column in expected.columns:
        if column in ("respondent_id", "wave", "case"):
            continue
        if column not in out.columns:
            problems.append(f"column {column} missing from the output")
            continue
        kind = _kind(column)
        got = out[column]
        if kind == "float":
            exp = pd.Series(
                [np.nan if v == "" else float(v) for v in expected[column]], name=column
            )
            got_f = pd.to_numeric(got, errors="coerce").astype(float).reset_index(drop=True)
            ok = np.isclose(got_f, exp, rtol=TOL, atol=TOL, equal_nan=True)
            bad = [(i, exp[i], got_f[i]) for i in np.flatnonzero(~ok)]
            if not bad:
                pd.testing.assert_series_equal(
                    got_f, exp, check_names=False, check_exact=False, rtol=TOL, atol=TOL
                )
        elif kind == "int":
            exp_i = [int(v) for v in expected[column]]
            if not pd.api.types.is_integer_dtype(got):
                problems.append(f"{column}: dtype {got.dtype}, expected an integer dtype")
            got_l = got.tolist()
            bad = [(i, e, g) for i, (e, g) in enumerate(zip(exp_i, got_l, strict=True)) if e != g]
        elif kind == "bool":
            exp_b = [{"True": True, "False": False}[v] for v in expected[column]]
            if not pd.api.types.is_bool_dtype(got):
                problems.append(f"{column}: dtype {got.dtype}, expected bool")
            got_l = got.tolist()
            bad = [
                (i, e, g)
                for i, (e, g) in enumerate(zip(exp_b, got_l, strict=True))
                if g is not e and g != e
            ]
        else:
            exp_t = [None if v == "" else v for v in expected[column]]
            got_t = _text(got)
            bad = [(i, e, g) for i, (e, g) in enumerate(zip(exp_t, got_t, strict=True)) if e != g]
        for i, e, g in bad:
            problems.append(f"{ids[i]} [{cases[i]}] {column}: expected {e!r}, got {g!r}")
    return problems


def _score_fixture(instruments, name, inst_id, rule):
    items = _read_items(name)
    expected = _read_expected(name)
    out = score_items(items, _with_rule(instruments, inst_id, rule))
    assert len(out) == len(items), "score_items changed the number of rows"
    assert out["respondent_id"].astype(str).tolist() == items["respondent_id"].tolist(), (
        "score_items changed the row order or respondent ids"
    )
    assert out["wave"].tolist() == items["wave"].tolist()
    return out.reset_index(drop=True), expected


@pytest.mark.parametrize(("name", "inst_id", "rule"), FIXTURES, ids=[f[0] for f in FIXTURES])
def test_golden_scores(instruments, name, inst_id, rule):
    out, expected = _score_fixture(instruments, name, inst_id, rule)
    problems = _compare(out, expected)
    assert not problems, f"{len(problems)} mismatch(es) in {name}:\n  " + "\n  ".join(problems)


def test_golden_fixtures_cover_every_output_column(instruments):
    """The expected files list every score and band column each instrument defines."""
    for name, inst_id, _ in FIXTURES:
        columns = set(_read_expected(name).columns)
        inst = instruments[inst_id]
        wanted = set(inst.score_ids)
        wanted |= {f"{b.score}_band_{b.id}" for b in inst.bands}
        wanted |= {f"{inst_id}_{s}" for s in ("n_answered", "prorated", "status", "missing_rule")}
        assert wanted <= columns, f"{name}: expected file lacks {sorted(wanted - columns)}"


def test_prorate_equals_sum_when_complete(instruments):
    """WEMWBS prorated (k=2) totals equal the plain sums for rows with nothing missing."""
    items = _read_items("wemwbs")
    expected = _read_expected("wemwbs")
    complete = (expected["wemwbs_status"] == "scored").to_numpy()
    assert complete.sum() >= 10
    items = items[complete].reset_index(drop=True)
    plain = score_items(items, instruments)
    prorated = score_items(items, _with_rule(instruments, "wemwbs", ("prorate", 2)))
    pd.testing.assert_series_equal(
        prorated["wemwbs_total"].astype(float).reset_index(drop=True),
        plain["wemwbs_total"].astype(float).reset_index(drop=True),
        check_exact=False,
        rtol=TOL,
        atol=TOL,
    )
    assert not prorated["wemwbs_prorated"].any()
    assert (prorated["wemwbs_missing_rule"] == "prorate(max_missing=2)").all()
    assert (plain["wemwbs_missing_rule"] == "complete_case").all()


def test_swemwbs_cannot_be_prorated(instruments):
    """The Rasch lookup needs whole raw totals, so prorating SWEMWBS is refused."""
    with pytest.raises(ConfigError):
        with_missing_rule(instruments["swemwbs"], "prorate", 1)


def _ghq_frame(rows: list[list[int]]) -> pd.DataFrame:
    df = pd.DataFrame(np.array(rows, dtype=float), columns=GHQ_ITEMS)
    df.insert(0, "wave", 1)
    df.insert(0, "respondent_id", [f"P{i:04d}" for i in range(len(rows))])
    return df


def test_ghq28_per_item_points_every_item_and_code(instruments):
    """One item at code c, all others at code 1 (0 points in every method): totals = item points."""
    rows, expect = [], []
    for item_index, item in enumerate(GHQ_ITEMS):
        for code in (1, 2, 3, 4):
            row = [1] * 28
            row[item_index] = code
            rows.append(row)
            ghq = 1 if code >= 3 else 0
            likert = code - 1
            cghq = (1 if code >= 3 else 0) if item in GHQ_POSITIVE else (1 if code >= 2 else 0)
            expect.append((ghq, cghq, likert))
    out = score_items(_ghq_frame(rows), instruments)
    got = list(
        zip(out["ghq28_total_ghq"], out["ghq28_total_cghq"], out["ghq28_total_likert"], strict=True)
    )
    for row, e, g in zip(rows, expect, got, strict=True):
        assert tuple(float(x) for x in g) == e, f"row {row}: expected {e}, got {g}"
        assert g[0] <= g[1] <= g[2]


ghq_rows = st.lists(st.integers(1, 4), min_size=28, max_size=28)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(ghq_rows, min_size=1, max_size=25))
def test_ghq28_method_order_random_complete(instruments, rows):
    out = score_items(_ghq_frame(rows), instruments)
    assert (out["ghq28_status"] == "scored").all()
    for part in GHQ_SUBSCALES + ["total"]:
        ghq = out[f"ghq28_{part}_ghq"].astype(float).to_numpy()
        cghq = out[f"ghq28_{part}_cghq"].astype(float).to_numpy()
        likert = out[f"ghq28_{part}_likert"].astype(float).to_numpy()
        assert np.all(ghq <= cghq), part
        assert np.all(cghq <= likert), part


@settings(max_examples=40, deadline=None)
@given(row=ghq_rows)
def test_ghq28_per_item_order_random_complete(instruments, row):
    """Per-item points = total(row) - total(row with that item at code 1), as code 1 is 0."""
    variants = [row]
    for i in range(28):
        v = list(row)
        v[i] = 1
        variants.append(v)
    out = score_items(_ghq_frame(variants), instruments)
    totals = {
        m: out[f"ghq28_total_{m}"].astype(float).to_numpy() for m in ("ghq", "cghq", "likert")
    }
    for i in range(28):
        d = {m: totals[m][0] - totals[m][i + 1] for m in totals}
        assert d["ghq"] <= d["cghq"] <= d["likert"], (GHQ_ITEMS[i], row[i], d)
        assert d["ghq"] >= 0


# Range property: every instrument, including WEMWBS under prorating.
RANGE_CASES = [
    ("wemwbs", None),
    ("wemwbs", ("prorate", 2)),
    ("swemwbs", None),
    ("ghq28", None),
    ("gqol", None),
    ("ons4", None),
    ("ucla3", None),
]


@pytest.mark.parametrize(
    ("inst_id", "rule"),
    RANGE_CASES,
    ids=[i if r is None else f"{i}-{r[0]}{r[1]}" for i, r in RANGE_CASES],
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_scores_within_declared_range(instruments, inst_id, rule, data):
    insts = _with_rule(instruments, inst_id, rule)
    inst = insts[inst_id]
    answer = {
        item.id: st.one_of(st.none(), st.integers(int(item.scale.min), int(item.scale.max)))
        for item in inst.items
    }
    rows = data.draw(st.lists(st.fixed_dictionaries(answer), min_size=1, max_size=20))
    df = pd.DataFrame(
        {
            item.id: [np.nan if r[item.id] is None else float(r[item.id]) for r in rows]
            for item in inst.items
        }
    )
    df.insert(0, "wave", 1)
    df.insert(0, "respondent_id", [f"R{i:04d}" for i in range(len(rows))])
    out = score_items(df, insts)
    for score in inst.scores:
        lo, hi = score.range
        values = out[score.id].astype(float).to_numpy()
        present = values[~np.isnan(values)]
        assert np.all((present >= lo - TOL) & (present <= hi + TOL)), (score.id, present)
    complete = np.array([all(r[i.id] is not None for i in inst.items) for r in rows])
    assert (out.loc[complete, f"{inst_id}_status"] == "scored").all()
    for score in inst.scores:
        assert not out.loc[complete, score.id].isna().any(), score.id
    assert (
        out[f"{inst_id}_status"]
        .isin(["scored", "partial", "too_many_missing", "not_administered"])
        .all()
    )


def test_scores_do_not_depend_on_the_block_size(instruments, monkeypatch):
    """Scores summed block by block (several blocks here) equal those summed in one go."""
    import pipeline.score as score

    items = pd.read_csv(GOLDEN / "ghq28_items.csv")
    whole = score_items(items, {"ghq28": instruments["ghq28"]})
    monkeypatch.setattr(score, "BLOCK_ROWS", 3)
    assert len(items) > 3 * 2
    pd.testing.assert_frame_equal(score_items(items, {"ghq28": instruments["ghq28"]}), whole)
