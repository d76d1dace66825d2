"""Time Cronbach's alpha against psych::alpha on synthetic WEMWBS-like item responses.

Run from the project root (not part of the test suite)::

    .venv/bin/python benchmarks/bench_reliability.py [N_RESPONDENTS ...]

Default sizes: 10,000, 100,000 and 1,000,000 respondents, each answering 14 items coded
1..5 (like WEMWBS) that are correlated through one common latent factor, with no missing
responses. For each size the script times :func:`pipeline.precision.cronbach_alpha`
(first call, and best of 3) and, when ``Rscript`` with psych is on the PATH, the
``system.time()`` of ``psych::alpha(d, check.keys = FALSE)`` on the same data (reading
the CSV and starting R excluded; psych computes much more than alpha, such as item
statistics, alpha if an item is dropped and response frequencies, and that is part of
the comparison). Prints a Markdown table with the ratio of the two times (psych / ours,
best of 3) and the absolute difference between our alpha and psych's ``raw_alpha``;
exits with status 1 if any difference exceeds 1e-6.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.precision import cronbach_alpha

N_ITEMS = 14
TOLERANCE = 1e-6
R_SCRIPT = r"""
suppressPackageStartupMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
elapsed <- system.time(
  fit <- suppressWarnings(psych::alpha(d, check.keys = FALSE))
)[["elapsed"]]
out <- data.frame(
  term = c("raw_alpha", "elapsed"),
  value = sprintf("%.17g", c(fit$total$raw_alpha, elapsed))
)
write.csv(out, args[2], row.names = FALSE)
"""


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    """Return ``n`` respondents x 14 items coded 1..5, driven by one latent factor."""
    rng = np.random.default_rng(seed)
    loadings = rng.uniform(0.55, 0.8, N_ITEMS)
    factor = rng.normal(0.0, 1.0, (n, 1))
    latent = factor * loadings + rng.normal(0.0, 1.0, (n, N_ITEMS)) * np.sqrt(1 - loadings**2)
    # Cut points skewed towards the upper categories, as WEMWBS answers usually are.
    points = np.digitize(latent, [-1.8, -0.9, 0.1, 1.2]) + 1
    return pd.DataFrame(points, columns=[f"item{i + 1}" for i in range(N_ITEMS)])


def time_ours(d: pd.DataFrame) -> tuple[tuple[float, float, float, int], float, float]:
    """Compute alpha 3 times; return the result, the first call's and the best time in s."""
    points = d.to_numpy(float)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        res = cronbach_alpha(points)
        times.append(time.perf_counter() - start)
    return res, times[0], min(times)


def time_psych(d: pd.DataFrame, folder: Path) -> tuple[float, float]:
    """Run psych::alpha via Rscript; return its raw alpha and the elapsed seconds."""
    data, out, script = folder / "data.csv", folder / "psych.csv", folder / "alpha.R"
    d.to_csv(data, index=False)
    script.write_text(R_SCRIPT, encoding="utf-8")
    subprocess.run(["Rscript", str(script), str(data), str(out)], check=True)
    res = pd.read_csv(out).set_index("term")["value"]
    return float(res["raw_alpha"]), float(res["elapsed"])


def have_psych() -> bool:
    """Whether ``Rscript`` is on the PATH and can load the psych package."""
    if shutil.which("Rscript") is None:
        return False
    check = 'quit(status = if (requireNamespace("psych", quietly = TRUE)) 0 else 1)'
    return subprocess.run(["Rscript", "-e", check], capture_output=True).returncode == 0


def main(argv: list[str]) -> int:
    """Run the benchmark for each size given on the command line; return the exit status."""
    sizes = [int(a) for a in argv if not a.startswith("--")] or [10_000, 100_000, 1_000_000]
    with_r = have_psych()
    if not with_r:
        print("Rscript with psych not found: timing pipeline.precision only")
    head = "| respondents | items | alpha (95% Feldt CI) | ours first s | ours best s |"
    rule = "|---:|---:|:---|---:|---:|"
    if with_r:
        head += " psych::alpha s | psych / ours | abs diff alpha |"
        rule += "---:|---:|---:|"
    print(head)
    print(rule)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            d = make_data(n)
            (alpha, low, high, used), first, best = time_ours(d)
            row = (
                f"| {used:,} | {d.shape[1]} | {alpha:.4f} ({low:.4f}, {high:.4f}) "
                f"| {first:.4f} | {best:.4f} |"
            )
            if with_r:
                r_alpha, elapsed = time_psych(d, Path(tmp))
                diff = abs(alpha - r_alpha)
                if not diff <= TOLERANCE:
                    failures.append((n, alpha, r_alpha, diff))
                row += f" {elapsed:.3f} | {elapsed / best:,.0f}x | {diff:.1e} |"
            print(row, flush=True)
    for n, ours, theirs, diff in failures:
        print(
            f"{n:,} respondents: alpha {ours!r} differs from psych's {theirs!r} by {diff:.2e}",
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
