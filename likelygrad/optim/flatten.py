"""Flatten an optimizer state dict into ``{name: ndarray}`` (for .npz / safetensors) and back.

A flat key is a path to a leaf followed by ``:tag``. Path segments say what kind of container
they step into, so the nesting can be rebuilt without a separate schema:

=============  ==============================  =========================================
segment        container                       example
=============  ==============================  =========================================
``name``       dict with str keys              ``param_groups[0].lr:float``
``#3``         dict with int keys              ``state#3.exp_avg:array``
``[0]``        list                            ``state#0.old_dirs[2]:array``
``(1)``        tuple                           ``param_groups[0].betas(1):float``
=============  ==============================  =========================================

Names are percent-encoded (``.`` included), so any string key survives. Tags say how to decode a
leaf: ``array`` (any dtype, kept), ``float``/``int``/``bool`` (0-d float64/int64/bool),
``str`` (UTF-8 bytes as uint8), ``none``, ``ints``/``floats`` (a whole list of Python ints or
floats as one 1-d array, so a group's parameter indices cost one entry, not one per parameter),
and ``list``/``tuple``/``dict`` for empty containers. Only numeric and bool dtypes appear, which
both formats store without pickling.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

import numpy as np

_NAME = re.compile(r"[A-Za-z0-9_\-~%]+")
_INDEX = re.compile(r"#(-?\d+)|\[(\d+)\]|\((\d+)\)")
_EMPTY = np.zeros(0, dtype=np.uint8)


def _on_device(value: Any) -> Any:
    """The backend of an array of a registered device library (CuPy: optimizer state on a
    GPU), else None: such arrays are written from host memory, as NumPy arrays."""
    from ..backend import _BY_TYPE

    return _BY_TYPE.get(type(value)) if not isinstance(value, np.ndarray) else None


def _name(key: str) -> str:
    if not key:
        raise ValueError("flatten_state cannot encode an empty string key")
    return quote(key, safe="").replace(".", "%2E")


def _is_list_of(values: Any, kind: type) -> bool:
    return (
        isinstance(values, list)
        and len(values) > 0
        and all(type(v) is kind for v in values)  # exact type: excludes bool from int
    )


def _flatten(value: Any, path: str, out: dict[str, np.ndarray]) -> None:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        if not value:
            out[path + ":dict"] = _EMPTY.copy()
        for k, v in value.items():
            if isinstance(k, bool) or not isinstance(k, (int, str)):
                raise TypeError(f"flatten_state: dict key {k!r} at {path!r} is not a str or int")
            sep = "" if not path else "."
            _flatten(v, path + (f"#{k}" if isinstance(k, int) else sep + _name(k)), out)
    elif _is_list_of(value, int):
        out[path + ":ints"] = np.array(value, dtype=np.int64)
    elif _is_list_of(value, float):
        out[path + ":floats"] = np.array(value, dtype=np.float64)
    elif isinstance(value, (list, tuple)):
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        if not value:
            out[path + (":list" if isinstance(value, list) else ":tuple")] = _EMPTY.copy()
        for i, v in enumerate(value):
            _flatten(v, f"{path}{open_}{i}{close}", out)
    elif isinstance(value, np.ndarray) or _on_device(value):
        value = value if isinstance(value, np.ndarray) else _on_device(value).to_numpy(value)
        if value.dtype.kind not in "biuf":
            raise TypeError(f"flatten_state: array at {path!r} has unsupported dtype {value.dtype}")
        # not np.ascontiguousarray, which turns a 0-d array into shape (1,)
        out[path + ":array"] = np.array(value, order="C", copy=True)
    elif isinstance(value, bool):
        out[path + ":bool"] = np.array(value, dtype=np.bool_)
    elif isinstance(value, int):
        out[path + ":int"] = np.array(value, dtype=np.int64)
    elif isinstance(value, float):
        out[path + ":float"] = np.array(value, dtype=np.float64)
    elif isinstance(value, str):
        out[path + ":str"] = np.frombuffer(value.encode("utf-8"), dtype=np.uint8).copy()
    elif value is None:
        out[path + ":none"] = _EMPTY.copy()
    else:
        raise TypeError(f"flatten_state: cannot encode {type(value).__name__} at {path!r}")


def flatten_state(state_dict: dict[str, Any]) -> dict[str, np.ndarray]:
    """Encode a nested optimizer state dict as a flat ``{name: ndarray}``; see the module doc."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"flatten_state expects a dict, got {type(state_dict).__name__}")
    from .param_state import to_host  # arrays from any device or library, as NumPy

    out: dict[str, np.ndarray] = {}
    _flatten(to_host(state_dict), "", out)
    return out


class _Node(dict):
    """A container being rebuilt: ``kind`` is dict, list or tuple (those map index -> item)."""

    def __init__(self, kind: type) -> None:
        super().__init__()
        self.kind = kind


def _parse_path(path: str, key: str) -> list[tuple[type, Any]]:
    """Split a flat key's path into (container kind, key or index) steps."""
    steps: list[tuple[type, Any]] = []
    pos = 0
    while pos < len(path):
        dotted = path[pos] == "."
        if dotted != (pos == 0):  # a name takes a leading dot, except at the very start
            match = _NAME.match(path, pos + dotted)
            if match is not None:
                steps.append((dict, unquote(match.group())))
                pos = match.end()
                continue
        match = _INDEX.match(path, pos)
        if match is None:
            raise ValueError(f"unflatten_state: cannot parse key {key!r} at position {pos}")
        hash_key, list_index, tuple_index = match.groups()
        if hash_key is not None:
            steps.append((dict, int(hash_key)))
        elif list_index is not None:
            steps.append((list, int(list_index)))
        else:
            steps.append((tuple, int(tuple_index)))
        pos = match.end()
    return steps


# what a leaf's array must be for its tag (dtype kinds, ndim), as _flatten writes them; arrays
# from a file that disagree are refused rather than misread (3.5 as an int, floats as text)
_TAG_ARRAYS = {"float": ("biuf", 0), "int": ("biu", 0), "bool": ("b", 0), "str": ("u", 1),
               "ints": ("biu", 1), "floats": ("biuf", 1)}  # fmt: skip


def _decode(tag: str, array: np.ndarray, key: str) -> Any:
    array = np.asarray(array)
    if tag == "array":
        return array.copy()
    kinds, ndim = _TAG_ARRAYS.get(tag, ("", None))
    if ndim is not None and (
        array.dtype.kind not in kinds
        or array.ndim != ndim
        or (tag == "str" and array.dtype != np.uint8)
    ):
        raise ValueError(
            f"unflatten_state: key {key!r} holds a {array.dtype} array of shape "
            f"{tuple(array.shape)}, "
            f"not what a :{tag} leaf is stored as"
        )
    simple = {"float": float, "int": int, "bool": bool}
    if tag in simple:
        return simple[tag](array.item())
    if tag == "str":
        try:
            return array.tobytes().decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"unflatten_state: key {key!r} is not UTF-8 text") from None
    if tag in ("ints", "floats"):
        return [int(v) if tag == "ints" else float(v) for v in array.tolist()]
    empty: dict[str, Any] = {"none": None, "list": [], "tuple": (), "dict": {}}
    if tag in empty:
        return empty[tag]
    raise ValueError(f"unflatten_state: unknown tag {tag!r} in key {key!r}")


def _finish(node: Any) -> Any:
    if not isinstance(node, _Node):
        return node
    if node.kind is dict:
        return {k: _finish(v) for k, v in node.items()}
    if sorted(node) != list(range(len(node))):
        raise ValueError(f"unflatten_state: {node.kind.__name__} indices {sorted(node)} have gaps")
    return node.kind(_finish(node[i]) for i in range(len(node)))


def unflatten_state(flat: dict[str, np.ndarray]) -> dict[str, Any]:
    """Rebuild the nested state dict that ``flatten_state`` encoded (arrays are copied)."""
    root = _Node(dict)
    for key, array in flat.items():
        path, sep, tag = key.rpartition(":")
        if not sep or not path:
            raise ValueError(f"unflatten_state: key {key!r} has no ':tag' suffix or no path")
        steps = _parse_path(path, key)
        node: Any = root
        for i, (kind, k) in enumerate(steps):
            last = i == len(steps) - 1
            if not isinstance(node, _Node) or node.kind is not kind or (last and k in node):
                raise ValueError(f"unflatten_state: key {key!r} conflicts with another key")
            if last:
                node[k] = _decode(tag, array, key)
            else:
                if k not in node:
                    node[k] = _Node(steps[i + 1][0])
                node = node[k]
    return _finish(root)
