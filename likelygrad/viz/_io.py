"""Atomic file writing shared by the graph renderer and the plots."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call `write(tmp)` on a temporary path beside `path`, then move it onto `path` in one step.

    The temporary file lives in the same directory, so `os.replace` is a rename within one file
    system: a reader sees either the old file or the complete new one, never half a picture.
    `write` creates the file itself, so it gets the usual permissions (the umask applies).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: directory {path.parent} does not exist")
    tmp = str(path.parent / f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically."""

    def write(tmp: str) -> None:
        with open(tmp, "xb") as f:
            f.write(data)

    return atomic_write(path, write)
