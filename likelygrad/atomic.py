"""Atomic file writes: a reader sees the old file or the complete new one, never half of one.

``atomic_write`` writes into a temporary file beside the target (same directory, so the same
file system), flushes and fsyncs it, and renames it over the target with ``os.replace``; any
exception inside the ``with`` block, Ctrl-C included, deletes the temporary file instead, so a
caller aborts the write by raising (a download whose digest does not match, say). Checkpoints,
downloaded data files and the pictures all go through it.

The temporary file is named ``.{name}.{random}.tmp`` and created with mode ``0o666`` less the
umask, the permissions ``open(path, "w")`` would give (``tempfile.mkstemp`` would make it
``0o600``, private to the owner, and the rename keeps that mode).
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def temporary_name(path: Path) -> Path:
    """A fresh temporary path beside ``path``: ``.{name}.{random hex}.tmp``."""
    return path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"


def stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Temporary files beside ``path`` left by ``atomic_write``s of it that were killed."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    return sorted(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))


def _create(path: Path) -> tuple[Path, int]:
    """Create a new, empty temporary file beside ``path``; the umask applies to its mode."""
    while True:
        tmp = temporary_name(path)
        try:
            return tmp, os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:  # 48 random bits collided: draw again
            continue


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", fsync: bool = True) -> Iterator[IO]:
    """Yield a file open for writing whose contents replace ``path`` when the block ends.

    ``mode`` is ``"wb"`` (bytes) or ``"w"`` (UTF-8 text). With ``fsync`` the data and then the
    rename are forced to disk, so the new file survives a power cut once the block has ended.
    The folder must exist: ``FileNotFoundError`` names it otherwise.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: directory {path.parent} does not exist")
    tmp, fd = _create(path)
    try:
        text: dict[str, Any] = {"encoding": "utf-8"} if mode == "w" else {}
        with os.fdopen(fd, mode, **text) as f:
            yield f
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # including KeyboardInterrupt: never leave a partial file behind
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if fsync:
        fsync_dir(path.parent)


def fsync_dir(folder: str | os.PathLike) -> None:
    """Make a rename in ``folder`` durable; best effort (not every OS or file system can)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
