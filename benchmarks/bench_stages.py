"""Time the ingest, validate and score stages on synthetic batches.

Run from the project root (not part of the test suite)::

    .venv/bin/python benchmarks/bench_stages.py 1000 10000 100000

Each size is a batch of respondents x 2 waves with WEMWBS, GHQ-28 and GQOL in
the canonical layout. Validate includes the Great Expectations suite (and its
import, about 4 s, on the first size). Prints wall time per stage and the peak memory of the
process so far.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

from pipeline import io
from pipeline.config import configured_instruments, load_config
from pipeline.ingest import ingest
from pipeline.score import score_items
from pipeline.synthetic import make_batch
from pipeline.validate import validate_items


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(n: int, folder: Path) -> dict[str, float]:
    """Run the first three stages on ``n`` respondents; return seconds per stage."""
    batch = make_batch(n, seed=1, export_style=False)
    path = folder / f"batch_{n}.csv"
    batch.to_csv(path, index=False)
    (folder / "mapping.yaml").write_text("layout: long\n", encoding="utf-8")
    config = {
        "study": {"waves": ["baseline", "post"], "groups": ["intervention", "comparison"]},
        "ingest": {"mapping": str(folder / "mapping.yaml"), "sources": [{"path": str(path)}]},
    }
    (folder / "pipeline.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    cfg = load_config(folder / "pipeline.yaml", folder / "out")
    instruments = configured_instruments(cfg)
    times = {}
    start = time.perf_counter()
    tables = [io.read_source(s) for s in cfg.sources]
    result = ingest(tables, cfg.mapping, cfg.study, instruments)
    times["ingest"] = time.perf_counter() - start
    start = time.perf_counter()
    validated = validate_items(
        result.items, result.issues, result.raw, instruments, cfg.study, cfg.validate
    )
    items = validated.items
    times["validate"] = time.perf_counter() - start
    start = time.perf_counter()
    score_items(items, instruments)
    times["score"] = time.perf_counter() - start
    times["rows"] = len(items)
    return times


def main(sizes: list[int]) -> None:
    """Print a Markdown table of stage timings for each size."""
    print("| respondents | rows | ingest s | validate s | score s | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            t = bench(n, Path(tmp))
            print(
                f"| {n:,} | {t['rows']:,} | {t['ingest']:.2f} | {t['validate']:.2f} "
                f"| {t['score']:.2f} | {_peak_mb():,.0f} |"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
