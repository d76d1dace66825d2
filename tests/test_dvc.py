"""The DVC pipeline, run with DVC in a temporary copy of the repository.

Skipped when DVC is not installed, except in CI (where `make test` installs the `dvc` extra),
so a CI machine without it cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("ingest", "validate", "score", "analyse", "report")


def _dvc() -> str | None:
    found = shutil.which("dvc", path=str(Path(sys.executable).parent)) or shutil.which("dvc")
    if found is None and os.environ.get("CI"):
        pytest.fail("dvc is not installed; CI must install the 'dvc' extra")
    return found


def test_every_stage_has_a_cli_command_and_module_and_lists_it():
    from pipeline.cli import RUNNERS

    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    assert tuple(stages) == STAGES
    for name, stage in stages.items():
        assert name in RUNNERS
        assert stage["cmd"].startswith(f"wellbeing {name} ")
        assert f"pipeline/{name}.py" in stage["deps"]
    definitions = sorted(p.name for p in (ROOT / "instruments").glob("[!_]*.yaml"))
    for name in ("ingest", "validate"):
        listed = [next(iter(p)) for p in stages[name]["params"] if isinstance(p, dict)]
        assert sorted(Path(p).name for p in listed if p.startswith("instruments/")) == definitions


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    dvc = _dvc()
    if dvc is None:
        pytest.skip("dvc is not installed (pip install -e '.[dvc]')")
    copy = tmp_path_factory.mktemp("repo")
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, tracked):
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    env = {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    for cmd in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "copy"],
    ):
        subprocess.run(cmd, cwd=copy, check=True, env=env)

    def run(*args: str) -> str:
        done = subprocess.run([dvc, *args], cwd=copy, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    return copy, run


def _ran(output: str) -> set[str]:
    return {s for s in STAGES if f"Running stage '{s}'" in output}


def test_repro_runs_everything_then_nothing_then_only_what_changed(repo):
    copy, run = repo
    first = run("repro")
    assert _ran(first) == set(STAGES)
    assert (copy / "output" / "example" / "report.html").exists()
    assert "up to date" in run("repro")
    metrics = run("metrics", "show")
    assert "paired_n" in metrics and "quarantined" in metrics
    definition = copy / "instruments" / "wemwbs.yaml"
    text = definition.read_text(encoding="utf-8")
    definition.write_text(
        text.replace("thresholds: [41, 45, 60]", "thresholds: [41, 46, 60]"), encoding="utf-8"
    )
    assert _ran(run("repro")) == {"score", "analyse", "report"}
    config = copy / "config" / "pipeline.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("min_cell: 5", "min_cell: 6"), encoding="utf-8"
    )
    assert _ran(run("repro")) == {"report"}
