"""The bad-input corpus (tests/data/bad_inputs): every case through ``wellbeing run``.

Each case of ``cases.yaml`` either stops with a one-line error naming the file (exit 1
for a blocking data problem, 2 for a configuration problem), or runs (exit 0) with the
expected reason codes in ``flags.csv`` and every ingested return accounted for: in
``scores.csv`` or in ``quarantine.csv``, never both, never neither. No case may end in a
traceback or an "internal error" (exit 3). Cases with a known pipeline bug carry
``bug:`` in the manifest and are strict xfails here.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "bad_inputs"
FILES = CORPUS / "files"
MANIFEST = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
CASES = MANIFEST["cases"]
SOURCE_OPTIONS = ("sheet", "header_row", "wave")


def _merge(base: dict, overrides: dict | None) -> dict:
    """Merge manifest overrides: mappings one level deep, other values replace, null deletes."""
    out = dict(base)
    for key, value in (overrides or {}).items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _sources(case: dict) -> list[dict]:
    if "sources" in case:
        return case["sources"]
    return [{"file": case["file"]} | {k: case[k] for k in SOURCE_OPTIONS if k in case}]


def _params():
    for case in CASES:
        marks = []
        if case.get("bug"):
            marks.append(pytest.mark.xfail(reason=f"BUG: {case['bug']}", strict=True))
        yield pytest.param(case, id=case["name"], marks=marks)


def _write_run(case: dict, folder: Path) -> Path:
    """Copy the case's files into ``folder`` and write its mapping and run configuration."""
    sources = []
    for src in _sources(case):
        shutil.copyfile(FILES / src["file"], folder / src["file"])
        sources.append({"path": src["file"]} | {k: src[k] for k in SOURCE_OPTIONS if k in src})
    mapping = _merge(MANIFEST["default_mapping"], case.get("mapping"))
    (folder / "mapping.yaml").write_text(
        yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    config = {
        "study": _merge(MANIFEST["default_study"], case.get("study")),
        "instruments": str(ROOT / "instruments"),
        "output": "out",
        "ingest": {"mapping": "mapping.yaml", "sources": sources},
    }
    path = folder / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _same(cell: str, expected) -> bool:
    if isinstance(expected, bool) or not isinstance(expected, int | float):
        return cell == str(expected)
    try:
        return math.isclose(float(cell), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    except ValueError:
        return False


def check_accounting(out: Path) -> dict[str, pd.DataFrame]:
    """Assert that every ingested return is in exactly one of scores.csv and quarantine.csv."""
    summary = json.loads((out / "ingest_summary.json").read_text(encoding="utf-8"))
    items = pd.read_parquet(out / "items.parquet")
    raw = pd.read_parquet(out / "raw_rows.parquet")
    returns = _read_csv(out / "returns.csv")
    scores = _read_csv(out / "scores.csv")
    quarantine = _read_csv(out / "quarantine.csv")
    flags = _read_csv(out / "flags.csv")
    n = summary["records"]
    assert len(items) == n, "items.parquet holds a different number of records than ingested"
    assert len(returns) == n, "returns.csv must have one row per ingested record"
    assert sorted(map(int, returns["record_id"])) == list(range(n))
    assert len(scores) + len(quarantine) == len(returns)
    used, set_aside = set(scores["record_id"]), set(quarantine["record_id"])
    assert len(used) == len(scores) and len(set_aside) == len(quarantine)
    assert not used & set_aside, "a return is both scored and quarantined"
    assert used | set_aside == set(returns["record_id"]), "a return was dropped"
    assert (quarantine["reason"] != "").all(), "a quarantined return has no reason"
    status = returns.set_index("record_id")["status"]
    assert (status[list(used)] == "used").all() and (status[list(set_aside)] == "quarantined").all()
    # every input row the reader kept is a return (a wide row may give several)
    read = set(zip(raw["source_file"], raw["source_row"].astype(int), strict=True))
    got = set(zip(returns["source_file"], returns["source_row"].astype(int), strict=True))
    assert read == got, "an input row has no return"
    assert sum(f["rows_read"] for f in summary["files"]) == len(raw)
    return {"returns": returns, "scores": scores, "quarantine": quarantine, "flags": flags}


def test_manifest_is_well_formed():
    names = [c["name"] for c in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)
    used = set()
    for case in CASES:
        assert case["exit"] in (0, 1, 2), case["name"]
        assert ("error" in case) == (case["exit"] != 0), case["name"]
        for src in _sources(case):
            assert (FILES / src["file"]).is_file(), f"{case['name']}: run make_corpus.py"
            used.add(src["file"])
    assert used == {p.name for p in FILES.iterdir()}, "files/ holds files no case uses"


def test_corpus_is_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.build(tmp_path)
    assert written == sorted(p.name for p in FILES.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (FILES / name).read_bytes(), (
            f"{name} differs: rerun python tests/data/bad_inputs/make_corpus.py"
        )


@pytest.mark.parametrize("case", list(_params()))
def test_bad_input(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = _write_run(case, tmp_path)
    code = main(["run", "--config", config.name, "--out", "out"])
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert code == case["exit"], err

    if code != 0:
        lines = err.rstrip().splitlines()
        errors = [line for line in lines if line.startswith("error:")]
        assert len(errors) == 1 and lines[-1] == errors[0], f"not a one-line error:\n{err}"
        expected = case["error"] if isinstance(case["error"], list) else [case["error"]]
        for part in expected:
            assert part in errors[0], f"{part!r} not in {errors[0]!r}"
        files = [s["file"] for s in _sources(case)] + ["mapping.yaml", "pipeline.yaml"]
        files.append("quarantine.csv")
        assert any(name in errors[0] for name in files), f"no file named in {errors[0]!r}"
        return

    tables = check_accounting(tmp_path / "out")
    codes = set(tables["flags"]["code"])
    missing = [c for c in case.get("flags", []) if c not in codes]
    assert not missing, f"flags {missing} not raised; flags.csv has {sorted(codes)}"
    unexpected = [c for c in case.get("absent_flags", []) if c in codes]
    assert not unexpected, f"flags {unexpected} raised; flags.csv has {sorted(codes)}"
    if "quarantined" in case:
        reasons = tables["quarantine"][["source_row", "reason"]].values.tolist()
        assert len(tables["quarantine"]) == case["quarantined"], reasons
    if "records" in case:
        assert len(tables["returns"]) == case["records"]
    scores = tables["scores"]
    for want in case.get("scores", []):
        hit = scores["source_row"] == str(want["row"])
        if "file" in want:
            hit &= scores["source_file"] == want["file"]
        if "wave" in want:
            hit &= scores["wave"] == want["wave"]
        assert hit.sum() == 1, f"{want}: {int(hit.sum())} matching rows in scores.csv"
        cell = scores.loc[hit, want["column"]].iloc[0]
        assert _same(cell, want["value"]), f"{want}: got {cell!r}"
