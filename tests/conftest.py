"""Shared fixtures: the shipped instruments and small configurable runs in a temp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("MPLCONFIGDIR", str(ROOT / ".pytest_cache" / "mpl"))


@pytest.fixture(scope="session")
def instruments():
    from pipeline.instruments import load_instruments

    return load_instruments(ROOT / "instruments")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A temp project folder with a writer for run configs and mapping files."""
    monkeypatch.chdir(tmp_path)

    def write(
        sources,
        mapping=None,
        study=None,
        score=None,
        name="pipeline.yaml",
    ) -> Path:
        mapping_path = tmp_path / "mapping.yaml"
        mapping_path.write_text(yaml.safe_dump(mapping or {}), encoding="utf-8")
        cfg = {
            "study": study
            or {"waves": ["baseline", "post"], "groups": ["intervention", "comparison"]},
            "instruments": str(ROOT / "instruments"),
            "output": str(tmp_path / "out"),
            "ingest": {"mapping": str(mapping_path), "sources": sources},
        }
        if score:
            cfg["score"] = score
        path = tmp_path / name
        path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
        return path

    return write
