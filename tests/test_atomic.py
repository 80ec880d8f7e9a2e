"""likelygrad.atomic: all-or-nothing writes, ordinary permissions, and the users of the helper."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from likelygrad.atomic import atomic_write, stale_temporaries
from likelygrad.train.checkpoint import remove_stale_temporaries, save_checkpoint
from likelygrad.viz._io import write_bytes


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("writer", ["atomic_write", "npz", "safetensors", "viz"])
def test_files_get_the_permissions_the_umask_allows(tmp_path, umask_022, writer):
    # tempfile.mkstemp would create them 0o600, and the rename keeps the temporary's mode
    if writer == "atomic_write":
        path = tmp_path / "notes.txt"
        with atomic_write(path, "w") as f:
            f.write("θ = 1\n")
        assert path.read_text(encoding="utf-8") == "θ = 1\n"
    elif writer == "viz":
        path = write_bytes(tmp_path / "g.svg", b"<svg/>")
    else:
        if writer == "safetensors":
            pytest.importorskip("safetensors")
        path = save_checkpoint(tmp_path / f"ck.{writer}", {"w": np.zeros(3)}, {"epoch": 1})
    assert mode(path) == 0o644
    assert list(tmp_path.iterdir()) == [path]


def test_raising_inside_the_block_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with pytest.raises(KeyError):
        with atomic_write(path) as f:
            f.write(b"new, but rejected")
            assert len(stale_temporaries(path)) == 1  # the temporary being written
            raise KeyError("abort")
    assert path.read_bytes() == b"old" and list(tmp_path.iterdir()) == [path]
    with atomic_write(path, fsync=False) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new" and list(tmp_path.iterdir()) == [path]


def test_a_missing_folder_or_a_bad_mode_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="directory .*nowhere does not exist"):
        with atomic_write(tmp_path / "nowhere" / "f.bin"):
            pass
    with pytest.raises(ValueError, match="mode must be 'wb' or 'w'"):
        with atomic_write(tmp_path / "f.bin", "ab"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_a_killed_writers_temporary_is_recognised_and_removed(tmp_path):
    path = tmp_path / "checkpoint[1].npz"  # glob metacharacters in the name are literal
    with pytest.raises(RuntimeError):
        with atomic_write(path):
            [left] = list(tmp_path.iterdir())
            os.link(left, tmp_path / "kept")  # keep it, as a SIGKILL would skip the clean-up
            raise RuntimeError
    os.replace(tmp_path / "kept", left)
    assert left.name.startswith(".checkpoint[1].npz.") and left.suffix == ".tmp"
    assert stale_temporaries(tmp_path / "other.npz") == []
    assert stale_temporaries(tmp_path / "missing" / "f.npz") == []
    assert remove_stale_temporaries(path) == [left] and list(tmp_path.iterdir()) == []
