"""The file format of ``lg.save``: safetensors with a JSON tree in its metadata."""

from __future__ import annotations

from typing import Any

FORMAT = "likelygrad.save"
VERSION = 1
META_KEY = "likelygrad"
MAX_HEADER_BYTES = 100 << 20  # the safetensors library's own limit on its JSON header
# what safetensors stores, by its dtype names (bfloat16 and complex128 have no NumPy form here)
DTYPES = {
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "U16": "uint16", "I16": "int16",
    "U32": "uint32", "I32": "int32", "U64": "uint64", "I64": "int64", "F16": "float16",
    "F32": "float32", "F64": "float64", "C64": "complex64",
}  # fmt: skip
SAVABLE = set(DTYPES.values())


class SerializationError(ValueError):
    """A file ``lg.load`` cannot read; the message names the file and says why."""


def safetensors_module(what: str) -> Any:
    """``safetensors.numpy``, or ImportError naming the extra that installs it."""
    try:
        import safetensors.numpy as st
    except ImportError:
        raise ImportError(
            f"{what} needs the safetensors package: pip install 'likelygrad[checkpoint]' "
            "(or pip install safetensors)"
        ) from None
    return st
