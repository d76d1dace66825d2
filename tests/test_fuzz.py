"""Property-based fuzzing of the whole pipeline (hypothesis, bounded and derandomised).

(a) Random survey batches (random ids with blanks and duplicates, known and unknown wave
    labels, WEMWBS/GHQ-28/GQOL cells holding valid codes, out-of-range numbers, labels,
    garbage, blanks and missing codes) through ``wellbeing run``: exit 0 with every
    return accounted for, or a one-line error naming a file; never exit 3, never a
    traceback.
(b) Random instrument definitions within the schema, with their declared ranges computed
    here: ``wellbeing instruments check`` accepts them, and a run scores a random batch
    with every score inside its declared range and equal to the score computed here.
    Broken definitions (a wrong range, a dangling group, a missing key...) are rejected
    with exit 2 and a message naming the file.

The examples are derandomised so that a run is reproducible. The CLI runs under the
project's pytest warning filters (a RuntimeWarning or FutureWarning is an error, so exit
3). The smallest input found for each bug the properties hit is kept at the end as a
regression test.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.instruments import load_instruments
from pipeline.reasons import REASONS

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = load_instruments(ROOT / "instruments")
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BATCH_INSTRUMENTS = ("wemwbs", "ghq28", "gqol")
WAVES = {"baseline": ["Pre", "T1"], "post": ["Post"]}
WAVE_LABELS = ["Pre", "Post", "pre ", " POST", "T1", "Week 9", "", "Baseline?"]
MISSING_CODES = [99, -9, "N/A"]


# --------------------------------------------------------------------------- helpers


def run(argv: list[str]) -> tuple[int, str]:
    """Run the CLI in-process; return the exit code and everything written to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, err.getvalue()


def assert_clean_exit(code: int, err: str, files: list[str], allowed=(0, 1, 2)) -> None:
    """No traceback, no internal error; a failure is one ``error:`` line naming a file."""
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert code in allowed, err
    if code:
        lines = err.rstrip().splitlines()
        errors = [line for line in lines if line.startswith("error:")]
        assert len(errors) == 1 and lines[-1] == errors[0], f"not a one-line error:\n{err}"
        assert any(name in errors[0] for name in files), f"no file named in {errors[0]!r}"


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def assert_accounted(out: Path, expected_records: int | None = None) -> dict[str, pd.DataFrame]:
    """Every ingested return is in exactly one of scores.csv and quarantine.csv."""
    items = pd.read_parquet(out / "items.parquet")
    returns, scores = read(out / "returns.csv"), read(out / "scores.csv")
    quarantine, flags = read(out / "quarantine.csv"), read(out / "flags.csv")
    assert len(returns) == len(items)
    if expected_records is not None:
        assert len(returns) == expected_records, "an input row was dropped or duplicated"
    assert len(scores) + len(quarantine) == len(returns)
    used, set_aside = set(scores["record_id"]), set(quarantine["record_id"])
    assert not used & set_aside and used | set_aside == set(returns["record_id"])
    assert (quarantine["reason"] != "").all()
    assert set(flags["code"]) <= set(REASONS)
    return {"returns": returns, "scores": scores, "quarantine": quarantine, "flags": flags}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([header, *rows])


def write_run(folder: Path, instruments: Path, columns: dict | None = None) -> Path:
    mapping = {
        "columns": {"ID": "respondent_id", "Time": "wave", **(columns or {})},
        "waves": WAVES,
        "missing_codes": MISSING_CODES,
        "missing_codes_by_instrument": {"gqol": [-9, "N/A"]},
    }
    (folder / "mapping.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    config = {
        "study": {"waves": ["baseline", "post"], "groups": ["intervention", "comparison"]},
        "instruments": str(instruments),
        "output": str(folder / "out"),
        "ingest": {
            "mapping": str(folder / "mapping.yaml"),
            "sources": [{"path": str(folder / "batch.csv")}],
        },
    }
    path = folder / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@contextlib.contextmanager
def workdir():
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def nonblank(rows: list[list[str]]) -> int:
    """The number of rows with at least one non-blank cell (blank lines are not returns)."""
    return sum(any(cell.strip() for cell in row) for row in rows)


# --------------------------------------------------------------------------- (a) batches

# no NUL: one makes the whole file binary (a corpus case), which would hide everything else
GARBAGE = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
ODD = st.sampled_from(
    ["4.0", "4,0", "04", " 3 ", "+2", "3 - Often", "NaN", "null", "-", ".", "inf", "-inf"]
    + ["1e400", "0x3", "½", "٣", "3.5", "TRUE", "#N/A", "=1+1", "Don't know"]
)


def cell_strategy(lo: int, hi: int, labels: list[str]):
    return st.one_of(
        st.integers(lo, hi).map(str),
        st.integers(lo, hi).map(str),
        st.integers(lo, hi).map(str),
        st.integers(-20, 150).map(str),
        st.sampled_from(labels) if labels else st.just("Often"),
        st.sampled_from(["", "  ", "99", "-9", "N/A", "NA"]),
        ODD,
        GARBAGE,
    )


ITEM_CELLS = {}
for _iid in BATCH_INSTRUMENTS:
    for _item in SHIPPED[_iid].items:
        _labels = sorted({text for text in _item.scale.labels})
        ITEM_CELLS[_item.id] = cell_strategy(int(_item.scale.min), int(_item.scale.max), _labels)

IDS = st.one_of(
    st.sampled_from(["R1", "R2", "R3", "R4", " R1", "r1", "", "  ", "007", "7.0"]),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=6),
)


@st.composite
def batches(draw):
    chosen = draw(st.sets(st.sampled_from(BATCH_INSTRUMENTS), min_size=1))
    items = [i.id for iid in BATCH_INSTRUMENTS if iid in chosen for i in SHIPPED[iid].items]
    n = draw(st.integers(1, 8))
    rows = []
    for _ in range(n):
        row = [draw(IDS), draw(st.sampled_from(WAVE_LABELS))]
        row += [draw(ITEM_CELLS[item]) for item in items]
        rows.append(row)
    if draw(st.booleans()):  # an exact copy of a row
        rows.append(list(draw(st.sampled_from(rows))))
    return ["ID", "Time", *items], rows


@FUZZ
@given(batches())
def test_random_batches_run_or_fail_cleanly(batch):
    header, rows = batch
    with workdir() as folder:
        write_csv(folder / "batch.csv", header, rows)
        config = write_run(folder, ROOT / "instruments")
        code, err = run(["run", "--config", str(config), "--out", str(folder / "out")])
        assert_clean_exit(code, err, ["batch.csv", "quarantine.csv"], allowed=(0, 1))
        if code == 1:  # the only blocking problems a batch with these headers can have
            assert "no usable returns" in err or ("no data rows" in err and nonblank(rows) == 0), (
                err
            )
        if code == 0:
            tables = assert_accounted(folder / "out", nonblank(rows))
            scores = tables["scores"]
            for iid in BATCH_INSTRUMENTS:
                for score in SHIPPED[iid].scores:
                    if score.id in scores:
                        values = pd.to_numeric(scores[score.id]).dropna()
                        lo, hi = score.range
                        assert values.between(lo - 1e-9, hi + 1e-9).all(), score.id


# --------------------------------------------------------------------------- (b) definitions


@st.composite
def definitions(draw):
    """A random instrument definition, its declared ranges computed from first principles."""
    iid = draw(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True))
    n = draw(st.integers(1, 10))
    lo = draw(st.integers(-3, 5))
    hi = lo + draw(st.integers(1, 6))
    items = [f"{iid}_{k}" for k in range(1, n + 1)]
    reverse = draw(st.lists(st.sampled_from(items), unique=True, max_size=n))
    scale = {"min": lo, "max": hi, "integer": True}
    if draw(st.booleans()):
        scale["labels"] = {lo: ["Never"], hi: ["Always", "All the time"]}
    scores = []
    aggregate = draw(st.sampled_from(["sum", "mean"]))
    scores.append(
        {
            "id": f"{iid}_total",
            "label": "total",
            "items": "all",
            "aggregate": aggregate,
            "range": [n * lo, n * hi] if aggregate == "sum" else [lo, hi],
            "higher_is": draw(st.sampled_from(["better", "worse"])),
            "primary": True,
        }
    )
    groups = {}
    if n >= 2 and draw(st.booleans()):
        part = draw(st.lists(st.sampled_from(items), unique=True, min_size=1, max_size=n))
        groups["part"] = part
        agg = draw(st.sampled_from(["sum", "mean"]))
        scores.append(
            {
                "id": f"{iid}_part",
                "label": "subscale",
                "items": "part",
                "aggregate": agg,
                "range": [len(part) * lo, len(part) * hi] if agg == "sum" else [lo, hi],
                "higher_is": "better",
            }
        )
    smallest = min(n, len(groups.get("part", items)))
    missing = {"rule": "complete_case", "source": "fuzz", "status": "derived"}
    if smallest >= 2 and draw(st.booleans()):
        missing = {
            "rule": "prorate",
            "max_missing": draw(st.integers(0, smallest - 1)),
            "source": "fuzz",
            "status": "derived",
        }
    data = {
        "format_version": 1,
        "id": iid,
        "name": f"Fuzz instrument {iid}",
        "version": "1.0.0",
        "citation": "Generated by tests/test_fuzz.py",
        "licence": "test only",
        "responses": {"scale": scale},
        "items": [{"id": item, "label": f"item {k}"} for k, item in enumerate(items, 1)],
        "reverse": reverse,
        "missing": missing,
        "scores": scores,
    }
    if groups:
        data["groups"] = groups
    if draw(st.booleans()):
        first = scores[0]
        cut = draw(st.integers(int(math.floor(first["range"][0])) + 1, int(first["range"][1])))
        data["bands"] = [
            {
                "id": "level",
                "score": first["id"],
                "thresholds": [cut],
                "labels": ["low", "high"],
                "source": "fuzz",
                "status": "unconfirmed",
            }
        ]
    return data


def write_definition(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "instruments" / "_schema.yaml", folder / "_schema.yaml")
    path = folder / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def parse_cell(cell: str, lo: int, hi: int, labels: dict) -> float:
    """The code a cell holds after validation (out-of-range and unknown cells are blanked)."""
    text = cell.strip().casefold()
    if text in labels:
        return float(labels[text])
    try:
        value = float(text)
    except ValueError:
        return math.nan
    if value in (99, -9) and not lo <= value <= hi:
        return math.nan
    return value if lo <= value <= hi and value == int(value) else math.nan


def expected_score(codes: list[float], score: dict, data: dict) -> float:
    lo, hi = data["responses"]["scale"]["min"], data["responses"]["scale"]["max"]
    ids = [i["id"] for i in data["items"]]
    members = ids if score["items"] == "all" else data["groups"][score["items"]]
    points = []
    for item in members:
        x = codes[ids.index(item)]
        points.append(lo + hi - x if item in data["reverse"] else x)
    answered = [p for p in points if not math.isnan(p)]
    allowed = data["missing"].get("max_missing", 0) if data["missing"]["rule"] == "prorate" else 0
    if not answered or len(points) - len(answered) > allowed:
        return math.nan
    mean = sum(answered) / len(answered)
    return mean if score["aggregate"] == "mean" else mean * len(points)


def labels_of(data: dict) -> dict[str, int]:
    return {
        text.casefold(): int(code)
        for code, texts in data["responses"]["scale"].get("labels", {}).items()
        for text in texts
    }


@st.composite
def definitions_with_batches(draw):
    data = draw(definitions())
    lo, hi = data["responses"]["scale"]["min"], data["responses"]["scale"]["max"]
    n = len(data["items"])
    cell = st.one_of(
        st.integers(lo, hi).map(str),
        st.integers(lo, hi).map(str),
        st.integers(lo, hi).map(str),
        st.integers(lo - 5, hi + 5).map(str),
        st.sampled_from(["", "99", "-9", "N/A", "Never", "Always", "x"]),
    )
    people = draw(st.integers(3, 8))
    rows = []
    for p in range(1, people + 1):
        first = [str(draw(st.integers(lo, hi))) for _ in range(n)] if p == 1 else None
        rows.append([f"P{p}", "Pre", *(first or [draw(cell) for _ in range(n)])])
        if draw(st.booleans()):
            rows.append([f"P{p}", "Post", *[draw(cell) for _ in range(n)]])
    return data, rows


@FUZZ
@given(definitions_with_batches())
def test_random_definitions_check_and_score_within_range(case):
    data, rows = case
    with workdir() as folder:
        path = write_definition(folder / "instruments", data)
        code, err = run(["instruments", "check", "--dir", str(folder / "instruments")])
        assert code == 0, err
        iid, items = data["id"], [i["id"] for i in data["items"]]
        write_csv(folder / "batch.csv", ["ID", "Time", *items], rows)
        config = write_run(folder, path.parent)
        code, err = run(["run", "--config", str(config), "--out", str(folder / "out")])
        assert_clean_exit(code, err, ["batch.csv"], allowed=(0,))
        tables = assert_accounted(folder / "out", len(rows))
        scores = tables["scores"]
        lo, hi = data["responses"]["scale"]["min"], data["responses"]["scale"]["max"]
        labels = labels_of(data)
        cells = {f"{r[0]}|{r[1]}": r[2:] for r in rows}
        wave_label = {"baseline": "Pre", "post": "Post"}
        for score in data["scores"]:
            values = pd.to_numeric(scores[score["id"]])
            low, high = score["range"]
            assert values.dropna().between(low - 1e-9, high + 1e-9).all(), score["id"]
            for (rid, wave), got in zip(
                zip(scores["respondent_id"], scores["wave"], strict=True), values, strict=True
            ):
                codes = [parse_cell(c, lo, hi, labels) for c in cells[f"{rid}|{wave_label[wave]}"]]
                want = expected_score(codes, score, data)
                assert (math.isnan(want) and math.isnan(got)) or math.isclose(
                    got, want, rel_tol=1e-9, abs_tol=1e-9
                ), (rid, wave, score["id"], got, want)
        assert iid in {c[: -len("_status")] for c in scores.columns if c.endswith("_status")}


def _break(data: dict, how: str) -> tuple[dict, str]:
    """Return a broken copy of a definition and the start of the message it must get."""
    data = yaml.safe_load(yaml.safe_dump(data))
    iid = data["id"]
    if how == "wrong_range":
        data["scores"][0]["range"][1] += 1
        return data, "scores[0].range"
    if how == "dangling_group_reference":
        data["scores"][0]["items"] = "nosuch"
        return data, "scores[0].items"
    if how == "group_with_unknown_item":
        data["groups"] = {**data.get("groups", {}), "extra": [data["items"][0]["id"], f"{iid}_99"]}
        return data, "groups.extra[1]: unknown item"
    if how == "scored_group_of_unknown_items":
        data["groups"] = {"part": [f"{iid}_99"]}
        if not any(score["items"] == "part" for score in data["scores"]):
            data["scores"].append(
                {
                    "id": f"{iid}_part",
                    "label": "subscale",
                    "items": "part",
                    "aggregate": "sum",
                    "range": [0, 1],
                    "higher_is": "better",
                }
            )
        return data, "groups.part[0]: unknown item"
    if how == "reverse_unknown_item":
        data["reverse"] = [f"{iid}_99"]
        return data, "reverse[0]"
    if how == "label_outside_scale":
        hi = data["responses"]["scale"]["max"]
        data["responses"]["scale"]["labels"] = {hi + 1: ["Too much"]}
        return data, "responses.scale.labels"
    if how == "prorate_everything":
        n = len(data["items"])
        data["missing"] = {"rule": "prorate", "max_missing": n, "source": "x", "status": "derived"}
        return data, "missing.max_missing"
    if how == "id_not_file_name":
        data["id"] = iid + "x"
        return data, "id"
    if how == "wrong_type":
        data["items"] = "all of them"
        return data, "items"
    key = how.removeprefix("missing_")
    del data[key]
    return data, f"(top level): '{key}' is a required property"


BREAKS = [
    "wrong_range",
    "dangling_group_reference",
    "group_with_unknown_item",
    "scored_group_of_unknown_items",
    "reverse_unknown_item",
    "label_outside_scale",
    "prorate_everything",
    "id_not_file_name",
    "wrong_type",
    *[
        f"missing_{key}"
        for key in ("format_version", "id", "name", "version", "citation", "licence")
        + ("responses", "items", "missing", "scores")
    ],
]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(definitions(), st.sampled_from(BREAKS))
def test_broken_definitions_are_rejected_naming_the_file(data, how):
    broken, where = _break(data, how)
    with workdir() as folder:
        path = folder / "instruments" / f"{data['id']}.yaml"
        write_definition(folder / "instruments", data)
        path.write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
        for argv in (
            ["instruments", "check", str(path)],
            ["instruments", "check", "--dir", str(path.parent)],
        ):
            code, err = run(argv)
            assert code == 2, err
            assert "Traceback" not in err and "internal error" not in err, err
            problems = [line for line in err.splitlines() if line.startswith(str(path))]
            assert problems, f"no message names {path}:\n{err}"
            assert any(line.startswith(f"{path}: {where}") for line in problems), (
                f"no '{path}: {where}...' in:\n{err}"
            )


# --------------------------------------------------------------------------- regressions
# The smallest input the properties above found for each bug they hit (all were exit 3 or
# a wrong message when found; see each test's docstring).

WEMWBS = [f"wemwbs_{i}" for i in range(1, 15)]


def _run_batch(folder: Path, header, rows, instruments: Path = ROOT / "instruments"):
    write_csv(folder / "batch.csv", header, rows)
    config = write_run(folder, instruments)
    return run(["run", "--config", str(config), "--out", str(folder / "out")])


def test_header_only_batch_names_the_file():
    """Found: 'no usable returns: all 0 were quarantined', not naming the input or cause."""
    with workdir() as folder:
        code, err = _run_batch(folder, ["ID", "Time", *WEMWBS], [])
        assert_clean_exit(code, err, ["batch.csv"], allowed=(1,))


def test_batch_with_no_wave_label_fails_cleanly():
    """Found: exit 3 in flow.item_missingness (TypeError: operation 'rtruediv' ...)."""
    with workdir() as folder:
        code, err = _run_batch(folder, ["ID", "Time", "wemwbs_1"], [["R1", "", "1"]])
        assert_clean_exit(code, err, ["quarantine.csv"], allowed=(1,))


def test_one_person_with_two_returns_is_reported():
    """Found: exit 3 in charts.forest, a finite estimate with no CI (NoneType - float)."""
    with workdir() as folder:
        rows = [["R2", "Post", *["1"] * 14], ["R2", "Pre", *["1"] * 12, "4", ""]]
        code, err = _run_batch(folder, ["ID", "Time", *WEMWBS], rows)
        assert_clean_exit(code, err, ["batch.csv"], allowed=(0,))


def _summed_instrument(low: int, high: int, n_items: int) -> dict:
    """Return a definition "a": ``n_items`` items on a ``low``-``high`` scale, one summed score."""
    return {
        "format_version": 1,
        "id": "a",
        "name": "Fuzz instrument a",
        "version": "1.0.0",
        "citation": "x",
        "licence": "x",
        "responses": {"scale": {"min": low, "max": high}},
        "items": [{"id": f"a_{i}", "label": f"item {i}"} for i in range(1, n_items + 1)],
        "missing": {"rule": "complete_case", "source": "x", "status": "derived"},
        "scores": [
            {
                "id": "a_total",
                "label": "total",
                "items": "all",
                "aggregate": "sum",
                "range": [low * n_items, high * n_items],
                "higher_is": "better",
            }
        ],
    }


def test_all_zero_scores_with_drop_out_are_analysed():
    """Found: exit 3 in imputation.pool, a total variance of 0 (ZeroDivisionError)."""
    data = _summed_instrument(low=0, high=1, n_items=2)
    rows = [[f"P{p}", "Pre", "0", "0"] for p in range(1, 8)]
    rows += [[f"P{p}", "Post", "0", "0"] for p in (1, 6, 7)]
    with workdir() as folder:
        path = write_definition(folder / "instruments", data)
        code, err = _run_batch(folder, ["ID", "Time", "a_1", "a_2"], rows, path.parent)
        assert_clean_exit(code, err, ["batch.csv"], allowed=(0,))


def test_constant_drop_out_group_in_attrition(capsys):
    """Found: scipy's precision-loss RuntimeWarning from Welch's t-test on a constant group."""
    data = _summed_instrument(low=-1, high=0, n_items=9)
    rows = [
        ["P1", "Pre", *["0"] * 9],
        ["P1", "Post", *["0"] * 9],
        ["P2", "Pre", *["0"] * 4, *["-1"] * 5],
        ["P3", "Pre", *["0"] * 8, "-1"],
        ["P3", "Post", *["0"] * 9],
        ["P4", "Pre", *["0"] * 4, *["-1"] * 5],
    ]
    with workdir() as folder:
        path = write_definition(folder / "instruments", data)
        write_csv(folder / "batch.csv", ["ID", "Time", *[f"a_{i}" for i in range(1, 10)]], rows)
        config = write_run(folder, path.parent)
        code = main(["run", "--config", str(config), "--out", str(folder / "out")])
        err = capsys.readouterr().err  # under the project's warning filters, unlike run()
        assert_clean_exit(code, err, ["batch.csv"], allowed=(0,))


def test_score_over_a_group_of_unknown_items_is_reported():
    """Found: 'instruments check' exit 3 (ValueError: min() arg is an empty sequence)."""
    with workdir() as folder:
        data = {
            "format_version": 1,
            "id": "tq",
            "name": "t",
            "version": "1",
            "citation": "c",
            "licence": "l",
            "responses": {"s": {"min": 1, "max": 4}},
            "items": [{"id": "tq_1", "label": "a"}, {"id": "tq_2", "label": "b"}],
            "groups": {"part": ["tq_9"]},
            "missing": {"rule": "complete_case", "source": "x", "status": "derived"},
            "scores": [
                {
                    "id": "tq_part",
                    "label": "p",
                    "items": "part",
                    "aggregate": "sum",
                    "range": [1, 4],
                    "higher_is": "better",
                }
            ],
        }
        path = write_definition(folder / "instruments", data)
        code, err = run(["instruments", "check", str(path)])
        assert code == 2 and "internal error" not in err, err
        assert f"{path}: groups.part[0]: unknown item" in err, err


def test_fuzz_helpers_agree_with_a_hand_worked_instrument():
    """The expected-score helper on a 3-item reverse-scored instrument, by hand."""
    data = {
        "responses": {"scale": {"min": 1, "max": 4}},
        "items": [{"id": "t_1"}, {"id": "t_2"}, {"id": "t_3"}],
        "reverse": ["t_2"],
        "missing": {"rule": "prorate", "max_missing": 1},
    }
    total = {"items": "all", "aggregate": "sum"}
    assert expected_score([1.0, 1.0, 4.0], total, data) == 1 + 4 + 4
    assert expected_score([1.0, np.nan, 4.0], total, data) == (1 + 4) / 2 * 3
    assert math.isnan(expected_score([1.0, np.nan, np.nan], total, data))
    assert parse_cell(" 3 ", 1, 4, {}) == 3 and math.isnan(parse_cell("5", 1, 4, {}))
