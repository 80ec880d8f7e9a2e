"""Loading: check the header, recognize foreign files, rebuild the object from its tree."""

from __future__ import annotations

import io
import json
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..tensor import Size, Tensor
from .format import (
    DTYPES,
    FORMAT,
    MAX_HEADER_BYTES,
    META_KEY,
    SAVABLE,
    VERSION,
    SerializationError,
    safetensors_module,
)


def _describe_foreign(data: bytes) -> str | None:
    """What a file that is not safetensors is, with how to read it; None if unrecognized."""
    convert = (
        "likelygrad never unpickles (unpickling runs arbitrary code). Convert it once, in "
        "Python with PyTorch: `import torch, safetensors.torch; safetensors.torch.save_file("
        "torch.load(PATH, weights_only=True), 'model.safetensors')` (for a dict of tensors, "
        "such as a model's state_dict), then lg.load the .safetensors file"
    )
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            names = []
        if any(n.endswith("data.pkl") or n.endswith(".data/version") for n in names):
            return f"a PyTorch checkpoint (torch.save's zip of pickles); {convert}"
        if names and all(n.endswith(".npy") for n in names):
            return "a NumPy .npz archive: read it with np.load(path, allow_pickle=False)"
        return "a zip archive, not a safetensors file"
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return f"a pickle (PyTorch's legacy torch.save format or pickle.dump); {convert}"
    if data[:6] == b"\x93NUMPY":
        return "a NumPy .npy file: read it with np.load(path, allow_pickle=False)"
    return None


def _header(data: bytes, where: str) -> dict:
    """The safetensors JSON header, checked for the dtypes likelygrad can hold."""
    n = int.from_bytes(data[:8], "little")
    # a safetensors file: a plausible header length, then a JSON object; else maybe a known
    # foreign format (a header length's first byte can equal a pickle's or a zip's first byte)
    if not (8 + n <= len(data) and data[8:9] == b"{"):
        foreign = _describe_foreign(data)
        if foreign is not None:
            raise SerializationError(f"{where}: cannot load {foreign}")
    if len(data) < 8 or n > len(data) - 8 or n > MAX_HEADER_BYTES:
        raise SerializationError(
            f"{where}: not a safetensors file, or a truncated one: its header length {n} does "
            f"not fit the {len(data)}-byte file"
        )
    try:
        header = json.loads(data[8 : 8 + n])
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise SerializationError(f"{where}: corrupt safetensors header ({e})") from None
    if not isinstance(header, dict):
        raise SerializationError(f"{where}: corrupt safetensors header (not a JSON object)")
    for name, info in header.items():
        dtype = info.get("dtype") if isinstance(info, dict) else None
        if name != "__metadata__" and dtype not in DTYPES:
            raise SerializationError(
                f"{where}: tensor {name!r} has dtype {dtype!r}, which likelygrad cannot hold "
                f"(it reads {', '.join(DTYPES)}); convert it first, e.g. with PyTorch: "
                "tensor.float()"
            )
    return header


def _place(t: Tensor, saved: str, map_location: Any) -> Tensor:
    """Move a loaded CPU tensor to its device: the saved one, or where map_location says."""
    target: Any = saved
    if callable(map_location):
        moved = map_location(t, saved)
        return moved if moved is not None else t
    if isinstance(map_location, dict):
        target = map_location.get(saved, saved)
    elif map_location is not None:
        target = map_location
    return t if str(target) == "cpu" else t.to(target)


class _Reader:
    """Rebuilds an object from its JSON tree and the file's arrays, checking every node."""

    def __init__(self, arrays: dict[str, np.ndarray], where: str, map_location: Any) -> None:
        self.arrays, self.where, self.map_location = arrays, where, map_location
        self.made: dict[str, Any] = {}  # one object per stored array: shared stays shared

    def fail(self, why: str) -> SerializationError:
        return SerializationError(f"{self.where}: corrupt likelygrad metadata: {why}")

    def array(self, name: Any) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise self.fail(f"it refers to a tensor {name!r} the file does not hold")
        a = self.arrays[name]
        return a if a.flags.writeable and a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))

    def node(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list) or not (isinstance(node, dict) and len(node) >= 1):
            raise self.fail(f"unexpected {_short(node)}")
        kind, value = next(iter(node.items()))
        if kind in ("tensor", "ndarray", "numpy_scalar"):
            if value not in self.made:
                self.made[value] = self.stored(kind, value, node)
            return self.made[value]
        if kind in ("list", "tuple", "size") and isinstance(value, list):
            items = [self.node(v) for v in value]
            return items if kind == "list" else (tuple(items) if kind == "tuple" else Size(items))
        if kind in ("dict", "odict") and isinstance(value, list):
            if not all(isinstance(p, list) and len(p) == 2 for p in value):
                raise self.fail(f"a dict must be a list of [key, value] pairs, not {_short(value)}")
            pairs = [(self.node(k), self.node(v)) for k, v in value]
            if not all(k is None or isinstance(k, (str, int, float, bool)) for k, _ in pairs):
                raise self.fail("a dict key is not a string, number, bool or None")
            return OrderedDict(pairs) if kind == "odict" else dict(pairs)
        if kind == "float" and value in ("inf", "-inf", "nan"):
            return float(value)
        if kind == "dtype" and value in SAVABLE:
            return np.dtype(value)
        raise self.fail(f"unexpected {_short(node)}")

    def stored(self, kind: str, name: Any, node: dict) -> Any:
        a = self.array(name)
        if kind == "ndarray":
            return a
        if kind == "numpy_scalar":
            return a[()]
        t = from_numpy(a)
        if node.get("parameter") is True:
            from ..nn import Parameter

            t = Parameter(t, requires_grad=node.get("requires_grad") is True)
        elif node.get("requires_grad") is True:
            t.requires_grad_(True)
        device = node.get("device", "cpu")
        if not isinstance(device, str):
            raise self.fail(f"device {_short(device)} is not a string")
        return _place(t, device, self.map_location)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def decode(data: bytes, where: str, map_location: Any) -> Any:
    """The object stored in the bytes of file ``where``."""
    header = _header(data, where)
    metadata = header.get("__metadata__")
    text = metadata.get(META_KEY) if isinstance(metadata, dict) else None
    st = safetensors_module(f"lg.load({where})")
    try:  # the library checks every offset and size against the data before copying
        arrays = st.load(data)
    except Exception as e:  # it raises its own error types (and NumPy's) for malformed files
        raise SerializationError(f"{where}: corrupt safetensors file ({e})") from None
    if text is None:  # a plain safetensors file, e.g. from PyTorch: a dict of tensors
        reader = _Reader(arrays, where, map_location)
        return {name: reader.node({"tensor": name}) for name in arrays}
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise SerializationError(f"{where}: corrupt likelygrad metadata ({e})") from None
    if not (isinstance(meta, dict) and meta.get("format") == FORMAT and "object" in meta):
        raise SerializationError(f"{where}: corrupt likelygrad metadata (no format tag)")
    version = meta.get("version")
    if type(version) is not int or version > VERSION or version < 1:
        raise SerializationError(
            f"{where}: written by a likelygrad whose format version is {_short(version)}; this "
            f"one reads version {VERSION}"
            + ("; upgrade likelygrad" if type(version) is int else "")
        )
    try:
        return _Reader(arrays, where, map_location).node(meta["object"])
    except RecursionError:
        raise SerializationError(
            f"{where}: corrupt likelygrad metadata (nested too deeply)"
        ) from None
