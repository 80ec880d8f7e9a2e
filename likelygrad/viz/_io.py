"""Atomic file writing for the graph renderer and the plots, on ``likelygrad.atomic``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .. import atomic


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], object]) -> Path:
    """Call `write(f)` on a binary file beside `path`, then move it onto `path` in one step.

    A reader sees either the old file or the complete new one, never half a picture; if `write`
    raises, `path` is untouched and nothing is left behind. The folder must exist.
    """
    path = Path(path)
    with atomic.atomic_write(path) as f:
        write(f)
    return path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically."""
    return atomic_write(path, lambda f: f.write(data))
