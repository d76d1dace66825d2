"""Progress bars on long work, shown only on an interactive terminal.

The CLI calls :func:`configure` once; stage code wraps its long loops in
:func:`bar`. When standard error is not a terminal (CI, DVC, a log file), or
with ``--quiet``, bars are silent.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
_enabled = False


def configure(quiet: bool = False) -> None:
    """Show bars when standard error is a terminal and the run is not quiet."""
    global _enabled
    _enabled = sys.stderr.isatty() and not quiet


def bar(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterable[T]:
    """Wrap a loop in a progress bar (or return it unchanged when bars are off)."""
    if not _enabled:
        return iterable
    return tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr, unit="step")
