"""The backend seam: which array library holds a tensor's data, and on which device.

Ops never name NumPy. Each op receives `ctx.xp`, the `Backend` of its inputs: the library's
Array API namespace (`xp.exp`, `xp.sum`, `xp.permute_dims`, ...) plus a few *kernels*, operations
the standard has no fast spelling for (a scatter-add, a row softmax). `Backend` (kernels.py)
writes each kernel once, portably; `NumPyBackend` (numpy_kernels.py) overrides the few where
NumPy has a faster spelling (ufunc `.reduce`, `out=`, `np.add.at`): the one table of
NumPy-specific code in the engine. Devices live in devices.py; this module is the registry.

Devices use PyTorch's words: `device("cpu")`, `device("cuda", 0)`, "cuda:1". The CPU is NumPy;
"cuda" loads CuPy on first use (the `gpu` extra). Any other Array API library works on the CPU
too: a tensor wrapping an `array_api_strict` array runs every op through that namespace, which is
how the test suite proves the portable paths never call NumPy.

To add a backend: subclass `Backend` (device mapping, conversions, and any kernel it can do
faster), then `register(array_type, backend, device_type)`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .devices import CPU, as_device, device
from .kernels import Backend, HostGenerator, diagonal_span, dt_kind
from .numpy_kernels import NUMPY, NumPyBackend

__all__ = [
    "CPU", "NUMPY", "Backend", "HostGenerator", "NumPyBackend", "as_device", "backend_for",
    "backend_of", "common_backend", "device", "diagonal_span", "dt_kind", "register",
    "unregister",
]  # fmt: skip

# array type -> backend; device type -> loader of the backend that creates arrays there
_BY_TYPE: dict[type, Backend] = {np.ndarray: NUMPY}
_BY_DEVICE: dict[str, Backend] = {"cpu": NUMPY}
_LOADERS: dict[str, Callable[[], None]] = {}


def register(array_type: type, backend: Backend, device_type: str | None = None) -> None:
    """Use `backend` for arrays of `array_type` (and, given `device_type`, for new tensors on
    that device type)."""
    _BY_TYPE[array_type] = backend
    if device_type is not None:
        _BY_DEVICE[device_type] = backend


def unregister(device_type: str) -> None:
    """Forget the backend of a device type (tests use this to remove a stand-in GPU)."""
    backend = _BY_DEVICE.pop(device_type, None)
    for t, b in list(_BY_TYPE.items()):
        if b is backend and t is not np.ndarray:
            del _BY_TYPE[t]


def is_foreign_array(a: Any) -> bool:
    """An array of another library than NumPy: a registered backend's (CuPy's ndarray has no
    `__array_namespace__`) or any Array API array."""
    if isinstance(a, np.ndarray | np.generic):
        return False
    return type(a) in _BY_TYPE or hasattr(a, "__array_namespace__")


def backend_of(a: Any) -> Backend:
    """The backend of an array, found from its type (NumPy first, then the Array API)."""
    b = _BY_TYPE.get(type(a))
    if b is not None:
        return b
    if isinstance(a, np.generic):
        return NUMPY
    try:
        import array_api_compat
    except ImportError:
        raise TypeError(
            f"likelygrad cannot compute on {type(a).__name__} arrays: install array-api-compat "
            "(pip install 'likelygrad[array-api]') for Array API libraries"
        ) from None
    try:
        ns = array_api_compat.array_namespace(a)
    except TypeError:
        raise TypeError(f"likelygrad cannot compute on {type(a).__name__} objects") from None
    b = Backend(ns)
    _BY_TYPE[type(a)] = b
    return b


def backend_for(d: device) -> Backend:
    """The backend that creates new arrays on device `d` (loading CuPy for 'cuda')."""
    b = _BY_DEVICE.get(d.type)
    if b is None:
        importlib.import_module(".cuda", __package__).load_cupy()
        b = _BY_DEVICE[d.type]
    return b


def common_backend(arrays: list[Any] | tuple[Any, ...], op: str) -> Backend:
    """The one backend (and device) of an op's inputs; a clear error when they differ."""
    first = backend_of(arrays[0])
    if all(type(a) is type(arrays[0]) for a in arrays):
        if first is NUMPY:
            return first
        backends = [first]
    else:
        backends = [backend_of(a) for a in arrays]
    names = {b.name for b in backends}
    if len(names) > 1:
        devices = {str(b.device_of(a)) for b, a in zip(backends, arrays)}
        if len(devices) > 1:
            a, b = sorted(devices)
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{b} and {a}! ({op}: move them with .to(device) first)"
            )
        raise TypeError(
            f"{op}: inputs come from different array libraries ({', '.join(sorted(names))}); "
            "convert them with lg.tensor(..., device=...) or .to() first"
        )
    devices = {str(first.device_of(a)) for a in arrays}
    if len(devices) > 1:
        a, b = sorted(devices)
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{b} and {a}! ({op}: move them with .to(device) first)"
        )
    return first
