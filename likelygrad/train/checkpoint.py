"""Checkpoints: named arrays plus JSON metadata, in safetensors or .npz, written atomically.

Loading never runs code: safetensors is a header plus raw bytes, and .npz files are read with
`allow_pickle=False`. A checkpoint is written with `likelygrad.atomic.atomic_write`: to a temporary
file beside the target, flushed to disk and renamed over it, so a crash at any moment leaves the
previous checkpoint intact (and at worst a stale temporary, which `remove_stale_temporaries`
deletes).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_write, stale_temporaries

FORMAT = "likelygrad-checkpoint"
VERSION = 1
_META_KEY = "__meta__"


def default_suffix() -> str:
    """'.safetensors' when the safetensors package is installed, else '.npz'."""
    try:
        import safetensors.numpy  # noqa: F401
    except ImportError:
        return ".npz"
    return ".safetensors"


def _safetensors(path: Path) -> Any:
    try:
        import safetensors.numpy as st
    except ImportError:
        raise RuntimeError(
            f"{path}: reading and writing .safetensors needs the safetensors package: "
            "pip install 'likelygrad[checkpoint]' (or save to a .npz path instead)"
        ) from None
    return st


def save_checkpoint(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Atomically write `arrays` and JSON-serializable `meta` to `path` (.safetensors or .npz)."""
    path = Path(path)
    if _META_KEY in arrays:
        raise ValueError(f"save_checkpoint: the key {_META_KEY!r} is reserved")
    meta = {"format": FORMAT, "version": VERSION, **meta}
    text = json.dumps(meta)
    # safetensors silently mangles non-contiguous arrays: hand it C-contiguous ones (not via
    # np.ascontiguousarray, which turns 0-d arrays into 1-d ones)
    arrays = {k: np.array(v, order="C", copy=None) for k, v in arrays.items()}
    if path.suffix not in (".safetensors", ".npz"):
        raise ValueError(f"{path}: checkpoints end in .safetensors or .npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        if path.suffix == ".safetensors":
            f.write(_safetensors(path).save(arrays, metadata={"likelygrad": text}))
        else:
            payload = {**arrays, _META_KEY: np.frombuffer(text.encode(), np.uint8)}
            np.savez(f, **payload)  # type: ignore[arg-type]
    return path


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Delete temporary files a killed `save_checkpoint` of `path` left behind; returns them."""
    stale = stale_temporaries(path)
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def load_checkpoint(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, meta) from a checkpoint; ValueError naming the file when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint file")
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:2] == b"PK":  # a zip archive: .npz
        arrays, text = _load_npz(path)
    elif path.suffix == ".npz":
        raise ValueError(f"{path}: not a .npz checkpoint (the file is not a zip archive)")
    elif path.suffix == ".safetensors":
        arrays, text = _load_safetensors(path)
    else:
        raise ValueError(f"{path}: not a checkpoint: expected a .safetensors or .npz file")
    try:
        meta = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: the checkpoint's metadata is not valid JSON ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a likelygrad checkpoint (its metadata has no format tag)")
    if meta.get("version", 0) > VERSION:
        raise ValueError(
            f"{path}: checkpoint version {meta['version']} is newer than this likelygrad "
            f"understands ({VERSION}); upgrade likelygrad"
        )
    return arrays, meta


def _load_npz(path: Path) -> tuple[dict[str, np.ndarray], str]:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise ValueError(f"{path}: corrupt .npz checkpoint ({e})") from None
    meta = arrays.pop(_META_KEY, None)
    if meta is None or meta.dtype != np.uint8:
        raise ValueError(f"{path}: not a likelygrad checkpoint (no {_META_KEY} entry)")
    return arrays, meta.tobytes().decode("utf-8", errors="replace")


def _load_safetensors(path: Path) -> tuple[dict[str, np.ndarray], str]:
    st = _safetensors(path)
    data = path.read_bytes()
    try:
        arrays = st.load(data)
        n = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + n])
    except Exception as e:  # the library raises its own error types for malformed files
        raise ValueError(f"{path}: corrupt or not a safetensors file ({e})") from None
    text = (header.get("__metadata__") or {}).get("likelygrad")
    if text is None:
        raise ValueError(f"{path}: a safetensors file, but not a likelygrad checkpoint")
    return arrays, text


def split_prefix(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The entries whose key starts with `prefix + '.'`, with the prefix removed."""
    n = len(prefix) + 1
    return {k[n:]: v for k, v in arrays.items() if k.startswith(prefix + ".")}


def with_prefix(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}.{k}": v for k, v in arrays.items()}
