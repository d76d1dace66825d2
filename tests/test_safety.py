"""Safety: formula injection, pseudonymised ids, no network, interrupted runs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.cli import main
from pipeline.io import neutralise_formulas

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "example" / "survey_export.csv"


def _config(tmp: Path, export: Path = EXAMPLE, **ingest) -> Path:
    cfg = yaml.safe_load((ROOT / "config" / "pipeline.yaml").read_text(encoding="utf-8"))
    cfg["ingest"]["sources"] = [{"path": str(export)}]
    cfg["ingest"]["mapping"] = str(ROOT / "config" / "mappings" / "example.yaml")
    cfg["ingest"].update(ingest)
    cfg["instruments"] = str(ROOT / "instruments")
    cfg["output"] = str(tmp / "out")
    path = tmp / "pipeline.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def test_spreadsheet_formulas_are_neutralised_in_csv_outputs(tmp_path):
    data = pd.read_csv(EXAMPLE, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    data.loc[0, "Venue"] = '=HYPERLINK("http://example.invalid","click")'
    data.loc[1, "Participant ID"] = "+44 7700 900000"
    data.loc[2, "WEMWBS Q1"] = "@SUM(A1:A2)"
    export = tmp_path / "export.csv"
    data.to_csv(export, index=False)
    assert main(["run", "--config", str(_config(tmp_path, export)), "-q"]) == 0
    out = tmp_path / "out"
    for name in (
        "scores.csv",
        "flags.csv",
        "quarantine.csv",
        "returns.csv",
        "ingest_issues.csv",
        "response.csv",
    ):
        text = (out / name).read_text(encoding="utf-8")
        for line in text.splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "+", "@")), (name, cell)
                assert not cell.startswith('"=') and not cell.startswith('"+'), (name, cell)
    scores = pd.read_csv(out / "scores.csv")
    assert (scores["site"] == '\'=HYPERLINK("http://example.invalid"').any() or (
        scores["site"].astype(str).str.startswith("'=").any()
    )


def test_neutralise_keeps_numbers_and_plain_text():
    frame = pd.DataFrame({"n": [-1, 2], "t": ["-9", "ok"], "d": pd.to_datetime(["2026-01-01"] * 2)})
    out = neutralise_formulas(frame)
    assert out["n"].tolist() == [-1, 2] and out["t"].tolist() == ["'-9", "ok"]
    assert frame["t"].tolist() == ["-9", "ok"]  # the input is not modified


def test_ids_are_pseudonymised_everywhere(tmp_path, monkeypatch):
    monkeypatch.setenv("WELLBEING_ID_KEY", "a-secret-key-of-some-length")
    config = _config(tmp_path, pseudonymise_ids=True)
    assert main(["run", "--config", str(config), "-q"]) == 0
    out = tmp_path / "out"
    raw_ids = set(pd.read_csv(EXAMPLE, encoding="utf-8-sig", dtype=str)["Participant ID"].dropna())
    sample = sorted(raw_ids)[:50]
    for path in out.iterdir():
        if path.suffix in (".csv", ".json", ".html"):
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".parquet":
            text = pd.read_parquet(path).to_csv()
        else:
            continue
        leaked = [i for i in sample if i in text]
        assert not leaked, (path.name, leaked[:3])
        assert "a-secret-key-of-some-length" not in text
    scores = pd.read_csv(out / "scores.csv")
    assert scores["respondent_id"].str.match(r"^p_[0-9a-f]{16}$").all()
    first = scores["respondent_id"].tolist()
    # the same key gives the same pseudonyms, so later batches can be linked
    assert main(["run", "--config", str(config), "-q"]) == 0
    assert pd.read_csv(out / "scores.csv")["respondent_id"].tolist() == first


def test_pseudonymising_without_a_key_is_a_config_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WELLBEING_ID_KEY", raising=False)
    assert main(["ingest", "--config", str(_config(tmp_path, pseudonymise_ids=True))]) == 2
    assert "WELLBEING_ID_KEY" in capsys.readouterr().err


def test_runs_with_the_network_blocked(tmp_path, monkeypatch):
    """Every connection attempt fails loudly; the whole pipeline still succeeds."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[:2]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert main(["run", "--config", str(_config(tmp_path)), "-q"]) == 0


def test_runs_in_a_network_namespace_without_network(tmp_path):
    """The same from outside: a separate process with no network interface at all."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"unshare -n is not permitted here: {probe.stderr!r}")
        pytest.skip("unshare -n is not permitted on this machine")
    done = subprocess.run(
        [
            "unshare",
            "-n",
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--config",
            str(_config(tmp_path)),
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report.html").exists()


def test_an_interrupted_run_leaves_previous_outputs_readable(tmp_path):
    from pipeline.synthetic import make_batch

    config = _config(tmp_path)
    assert main(["run", "--config", str(config), "-q"]) == 0
    out = tmp_path / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    big = tmp_path / "big.csv"
    make_batch(40_000, seed=3).to_csv(big, index=False, encoding="utf-8-sig")
    config = _config(tmp_path, big)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--config", str(config), "-q"], cwd=ROOT
    )
    deadline = time.time() + 120
    items = out / "items.parquet"
    while time.time() < deadline and items.read_bytes() == before["items.parquet"]:
        time.sleep(0.05)  # wait until the new run has replaced its first output
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for path in out.iterdir():
        if path.name.startswith("."):
            continue  # a temporary file the killed process was writing
        if path.suffix == ".parquet":
            pd.read_parquet(path)
        elif path.suffix == ".csv":
            pd.read_csv(path)
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    assert (out / "report.html").read_bytes() == before["report.html"]  # not yet replaced
