"""``lg.save`` / ``lg.load``: state dicts and nested containers of tensors, never pickled.

A file is safetensors: the tensors (and NumPy arrays) as named, contiguous raw arrays, and in
the header's metadata a JSON description of the object around them (dicts with their key types,
lists, tuples, numbers, strings, bools, None). A flat dict of tensors (a model's
``state_dict()``) is stored under its own keys, so ``safetensors.torch.load_file`` reads the
same names; ``lg.load`` also reads any safetensors file (from PyTorch, say) as a dict of tensors.

Loading runs no code: the header is parsed as JSON and checked, the arrays are checked by the
safetensors library. A file that cannot be loaded raises ``SerializationError`` (a ValueError)
naming the file and why, including PyTorch's own pickle files (``.pt``), which are never
unpickled; the message says how to convert one. safetensors is the optional ``checkpoint``
extra (``pip install 'likelygrad[checkpoint]'``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from ..atomic import atomic_write
from .decode import decode
from .encode import encode
from .format import SerializationError

__all__ = ["SerializationError", "load", "save"]


def save(
    obj: Any,
    f: str | os.PathLike | IO[bytes],
    pickle_module: Any = None,
    pickle_protocol: int | None = None,
) -> None:
    """Save ``obj`` (tensors, arrays and plain data, nested) to a path or binary file.

    A path is written atomically (a temporary file renamed over it). ``pickle_protocol`` is
    accepted and ignored; a ``pickle_module`` is refused, since nothing is pickled.
    """
    if pickle_module is not None:
        raise TypeError("lg.save never pickles: pickle_module is not supported")
    data = encode(obj)
    if isinstance(f, (str, os.PathLike)):
        with atomic_write(f) as out:
            out.write(data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(
            f"lg.save: f must be a path or a binary file object, not {type(f).__name__}"
        )


def load(
    f: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load what ``lg.save`` wrote (or any safetensors file, as a dict of tensors).

    ``map_location`` moves tensors as in torch: a device (or its name) for all, a dict from
    saved device names to new ones, or a function ``(tensor, saved_device_name)`` returning
    the tensor to use. ``weights_only`` and ``mmap`` are accepted and change nothing: loading
    never runs code, whatever their value. Raises ``SerializationError`` for a damaged or
    foreign file (PyTorch's pickles included), naming the file.
    """
    if pickle_module is not None or pickle_load_args:
        raise TypeError(
            "lg.load never unpickles: pickle_module and pickle arguments are not supported"
        )
    if isinstance(f, (str, os.PathLike)):
        where = str(f)
        with open(Path(f), "rb") as stream:
            data = stream.read()
    elif hasattr(f, "read"):
        where = str(getattr(f, "name", "<file object>"))
        data = f.read()
        if not isinstance(data, bytes):
            raise TypeError(f"lg.load: {where} must be opened in binary mode ('rb')")
    else:
        raise TypeError(
            f"lg.load: f must be a path or a binary file object, not {type(f).__name__}"
        )
    return decode(data, where, map_location)
