"""Saving: an object as a JSON tree plus named, contiguous arrays (shared tensors once)."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

import numpy as np

from ..backend import backend_of
from ..tensor import Size, Tensor
from .format import FORMAT, META_KEY, SAVABLE, VERSION, safetensors_module


class _Writer:
    """Turns an object into a JSON tree plus named arrays, sharing repeated tensors."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.seen: dict[int, tuple[Any, dict]] = {}  # id -> (object kept alive, its node)

    def array_node(self, value: Any, path: str, name: str | None = None) -> dict:
        """The node of a tensor or array, its data added under ``name`` (default: its path)."""
        if name is None and id(value) in self.seen:  # the same tensor twice: stored once
            return self.seen[id(value)][1]
        if isinstance(value, Tensor):
            array = value.array
            node: dict[str, Any] = {"tensor": ""}
            if value.requires_grad:
                node["requires_grad"] = True
            if type(value) is not Tensor and type(value).__name__ == "Parameter":
                node["parameter"] = True
            if str(value.device) != "cpu":
                node["device"] = str(value.device)
        else:
            array = value
            node = {"numpy_scalar" if isinstance(value, np.generic) else "ndarray": ""}
        if isinstance(array, np.generic):
            host = np.asarray(array)
        else:
            host = backend_of(array).to_numpy(array)
        if host.dtype.name not in SAVABLE:
            raise TypeError(
                f"lg.save: {path or 'the object'} has dtype {host.dtype}, which safetensors "
                f"cannot store (it stores {', '.join(sorted(SAVABLE))})"
            )
        name = name if name is not None else self.fresh_name(path)
        # safetensors needs C-contiguous data (np.ascontiguousarray would make 0-d arrays 1-d)
        self.arrays[name] = np.array(host, order="C", copy=None)
        node[next(iter(node))] = name
        self.seen[id(value)] = (value, node)
        return node

    def fresh_name(self, path: str) -> str:
        name, n = path or "tensor", 1
        while name in self.arrays:
            n += 1
            name = f"{path or 'tensor'}#{n}"
        return name

    def node(self, value: Any, path: str) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, (Tensor, np.ndarray, np.generic)):
            return self.array_node(value, path)
        if isinstance(value, np.dtype) or (
            isinstance(value, type) and issubclass(value, np.generic)
        ):
            return {"dtype": np.dtype(value).name}
        if isinstance(value, dict):
            pairs = [[self.key(k, path), self.node(v, _join(path, k))] for k, v in value.items()]
            return {"odict" if isinstance(value, OrderedDict) else "dict": pairs}
        if isinstance(value, (list, tuple)):
            kind = "size" if isinstance(value, Size) else type(value).__name__
            if kind not in ("list", "tuple", "size"):  # a named tuple: its class is code
                kind = "tuple"
            return {kind: [self.node(v, _join(path, i)) for i, v in enumerate(value)]}
        hint = " (save its state_dict() instead)" if hasattr(value, "state_dict") else ""
        raise TypeError(
            f"lg.save cannot store a {type(value).__name__} at {path or 'the top level'}{hint}: "
            "it stores tensors, NumPy arrays, numbers, strings, bools, None, and dicts, lists "
            "and tuples of them (it never pickles)"
        )

    def key(self, key: Any, path: str) -> Any:
        if key is None or isinstance(key, (str, bool, int, float)):
            return self.node(key, path)
        raise TypeError(
            f"lg.save: dict key {key!r} at {path or 'the top level'} is a "
            f"{type(key).__name__}; keys must be strings, numbers, bools or None"
        )


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _is_flat(obj: Any) -> bool:
    """A non-empty dict from string keys to tensors or arrays: stored under its own keys."""
    return (
        type(obj) in (dict, OrderedDict)
        and len(obj) > 0
        and all(isinstance(k, str) and k != "__metadata__" for k in obj)
        and all(isinstance(v, (Tensor, np.ndarray)) for v in obj.values())
    )


def encode(obj: Any) -> bytes:
    """The bytes of a safetensors file holding ``obj``."""
    writer = _Writer()
    if _is_flat(obj):  # every key its own entry, even a tensor listed twice (tied weights)
        pairs = [[k, writer.array_node(v, k, name=k)] for k, v in obj.items()]
        tree: Any = {"odict" if isinstance(obj, OrderedDict) else "dict": pairs}
    else:
        tree = writer.node(obj, "")
    text = json.dumps({"format": FORMAT, "version": VERSION, "object": tree}, allow_nan=False)
    st = safetensors_module("lg.save")
    return st.save(writer.arrays, metadata={"format": "pt", META_KEY: text})
