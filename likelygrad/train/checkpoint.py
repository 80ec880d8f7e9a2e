"""Checkpoints: named arrays plus JSON metadata, in safetensors or .npz, written atomically.

Loading never runs code and trusts nothing in the file: safetensors is a header plus raw bytes,
checked by its library before anything is copied, and .npz archives are parsed by `npz.read_npz`,
which checks every size against the file before allocating and never unpickles. Only bool,
integer and floating arrays come back; the metadata is validated as a whole. Every way a file can
be wrong raises `CheckpointError` (a ValueError) naming the file.

A checkpoint is written with `likelygrad.atomic.atomic_write`: to a temporary file beside the
target, flushed to disk and renamed over it, so a crash at any moment leaves the previous
checkpoint intact (and at worst a stale temporary, which `remove_stale_temporaries` deletes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..atomic import atomic_write, stale_temporaries
from .npz import check_numeric_dtype, read_npz

FORMAT = "likelygrad-checkpoint"
VERSION = 1
_META_KEY = "__meta__"
MAX_HEADER_BYTES = 100 << 20  # the safetensors library's own limit on its JSON header


class CheckpointError(ValueError):
    """A file that is not a valid likelygrad checkpoint; the message names the file and why."""


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
    for key, value in arrays.items():  # np.savez would pickle an object array into the file
        try:
            check_numeric_dtype(np.asarray(value).dtype, f"save_checkpoint: entry {key!r}")
        except ValueError as e:
            raise TypeError(str(e)) from None
    text = json.dumps({**meta, "format": FORMAT, "version": VERSION})
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
    """(arrays, meta) from a checkpoint; `CheckpointError` naming the file when it is not one.

    Everything is checked before it is trusted: the arrays come back writable, native-endian and
    bool, integer or floating (never object, string, complex or record arrays), and the metadata
    is a JSON object with our format tag, a version this library knows, and the fields `fit`
    writes (epoch, history, early, rng, config, finished, stopped) of the right types. A
    missing file is FileNotFoundError, and a .safetensors file without the package RuntimeError.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint file")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        is_zip = f.read(2) == b"PK"
        f.seek(0)
        if is_zip:  # a zip archive: .npz
            arrays, raw_meta = _load_npz(path, f, size)
        elif path.suffix == ".npz":
            raise CheckpointError(f"{path}: not a .npz checkpoint (the file is not a zip archive)")
        elif path.suffix == ".safetensors":
            arrays, raw_meta = _load_safetensors(path, f.read())
        else:
            raise CheckpointError(f"{path}: not a checkpoint: expected a .safetensors or .npz file")
    meta = _checked_meta(path, raw_meta)
    return {k: _checked_array(path, k, v) for k, v in arrays.items()}, meta


def _load_npz(path: Path, f: IO[bytes], size: int) -> tuple[dict[str, np.ndarray], bytes]:
    try:
        arrays = read_npz(f, size)
    except ValueError as e:
        raise CheckpointError(f"{path}: not a valid .npz checkpoint: {e}") from None
    meta = arrays.pop(_META_KEY, None)
    if meta is None or meta.dtype != np.uint8 or meta.ndim != 1:
        raise CheckpointError(f"{path}: not a likelygrad checkpoint (no {_META_KEY} bytes entry)")
    return arrays, meta.tobytes()


def _load_safetensors(path: Path, data: bytes) -> tuple[dict[str, np.ndarray], bytes]:
    # the layout: an 8-byte little-endian header length n, n bytes of JSON header, the data
    n = int.from_bytes(data[:8], "little")
    if len(data) < 8 or n > len(data) - 8 or n > MAX_HEADER_BYTES:
        raise CheckpointError(
            f"{path}: corrupt or not a safetensors file: its header length {n} does not fit "
            f"the {len(data)}-byte file (or exceeds {MAX_HEADER_BYTES} bytes)"
        )
    try:
        header = json.loads(data[8 : 8 + n])
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise CheckpointError(f"{path}: corrupt or not a safetensors file ({e})") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    text = metadata.get("likelygrad") if isinstance(metadata, dict) else None
    if not isinstance(text, str):
        raise CheckpointError(f"{path}: a safetensors file, but not a likelygrad checkpoint")
    st = _safetensors(path)
    try:  # the library checks every offset, dtype and size against the data before copying
        arrays = st.load(data)
    except Exception as e:  # it raises its own error types (and NumPy's) for malformed files
        raise CheckpointError(f"{path}: corrupt safetensors checkpoint ({e})") from None
    return arrays, text.encode()


def _checked_array(path: Path, key: str, array: Any) -> np.ndarray:
    """A writable, native-endian numeric array, or CheckpointError saying what it is instead."""
    if not isinstance(array, np.ndarray):
        raise CheckpointError(f"{path}: entry {key!r} is a {type(array).__name__}, not an array")
    try:
        check_numeric_dtype(array.dtype, f"entry {key!r}")
    except ValueError as e:
        raise CheckpointError(f"{path}: {e}") from None
    if array.dtype.kind == "b" and array.view(np.uint8).max(initial=0) > 1:
        raise CheckpointError(f"{path}: entry {key!r} is a bool array with bytes other than 0, 1")
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return array if array.flags.writeable else array.copy()


def _checked_meta(path: Path, raw: bytes) -> dict:
    """The metadata as a dict, validated as a whole: every problem in one CheckpointError."""
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # bad UTF-8, bad JSON, absurd nesting
        raise CheckpointError(
            f"{path}: the checkpoint's metadata is not valid JSON ({e})"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(
            f"{path}: not a likelygrad checkpoint (its metadata has no format tag)"
        )
    version = meta.get("version")
    if type(version) is not int or version < 1:
        raise CheckpointError(
            f"{path}: the checkpoint's version must be an integer >= 1, not {_short(version)}"
        )
    if version > VERSION:
        raise CheckpointError(
            f"{path}: checkpoint version {version} is newer than this likelygrad "
            f"understands ({VERSION}); upgrade likelygrad"
        )
    problems = [
        f"{key} must be {what}, not {_short(meta[key])}"
        for key, (ok, what) in _FIT_FIELDS.items()
        if key in meta and not ok(meta[key])
    ]
    if problems:
        raise CheckpointError(f"{path}: invalid checkpoint metadata: " + "; ".join(problems))
    return meta


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_count(v: Any) -> bool:
    return type(v) is int and v >= 0


def _is_number(v: Any) -> bool:
    return type(v) in (int, float)


def _is_history(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(row, dict) and all(_is_number(x) or x is None for x in row.values()) for row in v
    )


def _is_early(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and set(v) == {"best_nll", "best_epoch", "bad"}
        and (v["best_nll"] is None or _is_number(v["best_nll"]))
        and (v["best_epoch"] is None or _is_count(v["best_epoch"]))
        and _is_count(v["bad"])
    )


def _is_rng_state(v: Any) -> bool:
    """The state dict of NumPy's PCG64 (the default generator), every field in range."""
    inner = v.get("state") if isinstance(v, dict) else None
    return (
        isinstance(inner, dict)
        and set(v) == {"bit_generator", "state", "has_uint32", "uinteger"}
        and v["bit_generator"] == "PCG64"
        and set(inner) == {"state", "inc"}
        and all(_is_count(x) and x < 2**128 for x in inner.values())
        and v["has_uint32"] in (0, 1)
        and _is_count(v["uinteger"])
        and v["uinteger"] < 2**32
    )


# the fields `fit` writes: (check, what it must be), each checked when present
_FIT_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "epoch": (_is_count, "an integer >= 0"),
    "history": (_is_history, "a list of objects whose values are numbers or null"),
    "early": (_is_early, "an object of best_nll, best_epoch and bad"),
    "rng": (_is_rng_state, "the state of a PCG64 generator"),
    "config": (lambda v: isinstance(v, dict), "an object"),
    "finished": (lambda v: isinstance(v, bool), "true or false"),
    "stopped": (lambda v: isinstance(v, bool), "true or false"),
}


def split_prefix(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The entries whose key starts with `prefix + '.'`, with the prefix removed."""
    n = len(prefix) + 1
    return {k[n:]: v for k, v in arrays.items() if k.startswith(prefix + ".")}


def with_prefix(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}.{k}": v for k, v in arrays.items()}
