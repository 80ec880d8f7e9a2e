"""NVIDIA GPUs through CuPy: `lg.cuda.is_available()`, and the backend behind `device="cuda"`.

CuPy is an optional extra (`pip install 'likelygrad[gpu]'`, which installs `cupy-cuda12x`),
imported only when a CUDA device is first asked for. Ops run through CuPy's Array API namespace
(`array_api_compat.cupy`, part of the extra: CuPy's own namespace takes no `device=`); where
CuPy has a faster or missing-from-the-standard spelling (a scatter-add, fancy indexing, one
fused kernel for SGD's momentum update), `CupyBackend` says so, as `NumPyBackend` does for NumPy.

On a GPU a step's time is mostly Python launching kernels, which overlaps the GPU's work only
while nothing waits for a result: the backend never reads a value back to the host in a step.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from . import backend as B
from .backend import Backend, device

_INSTALL = (
    "CUDA tensors need CuPy: pip install 'likelygrad[gpu]' (or the cupy-cudaXXx wheel matching "
    "your CUDA version) on a machine with an NVIDIA GPU"
)


def _cupy() -> Any:
    try:
        return importlib.import_module("cupy")
    except ImportError:
        raise RuntimeError(_INSTALL) from None


class CupyBackend(Backend):
    """CuPy on NVIDIA GPUs: arrays live on `cuda:N`; random numbers are drawn on the device."""

    def __init__(self) -> None:
        cp = _cupy()
        try:  # CuPy's own namespace is not the standard's: its empty/zeros/arange take no device=
            import array_api_compat.cupy as ns
        except ImportError:
            raise RuntimeError(
                "CUDA tensors need array-api-compat beside CuPy: pip install 'likelygrad[gpu]' "
                "(or pip install array-api-compat)"
            ) from None
        super().__init__(ns, {"cpu": None})
        self.cp, self.name = cp, "cupy"
        self._sgd: Any = None

    def device_of(self, a: Any) -> device:
        return device("cuda", int(a.device.id))

    def native_device(self, d: device) -> Any:
        if d.type != "cuda":
            raise RuntimeError(f"cupy cannot hold tensors on {d}")
        return self.cp.cuda.Device(0 if d.index is None else d.index)

    def asarray(
        self, obj: Any, dtype: Any = None, device: device | None = None, copy: bool | None = None
    ) -> Any:
        dev = self.native_device(device or B.device("cuda", 0))
        if (  # already what is asked for: returned as it is (the common case, and cheap)
            type(obj) is self.cp.ndarray
            and not copy
            and (dtype is None or obj.dtype == dtype)
            and obj.device.id == dev.id
        ):
            return obj
        with dev:
            if hasattr(obj, "__cuda_array_interface__") or isinstance(obj, self.cp.ndarray):
                return self.cp.array(obj, dtype=dtype, copy=bool(copy))
            return self.cp.asarray(np.asarray(obj), dtype=dtype)

    def row_major_copy(self, a: Any) -> Any:
        return self.cp.array(a, order="C", copy=True)

    def to_numpy(self, a: Any) -> np.ndarray:
        return self.cp.asnumpy(a)

    def native_dtype(self, dtype: np.dtype) -> Any:
        return dtype

    def dtype_of(self, a: Any) -> np.dtype:
        return a.dtype

    def owns(self, a: Any) -> bool:
        return a.base is None

    def generator(self, seed: int, d: device) -> Any:
        with self.native_device(d):
            return self.cp.random.default_rng(seed)

    reads_back_cheaply = False  # a float() of a device value waits for the GPU: avoid in a step

    def sgd_momentum_(self, data: Any, buf: Any, g: Any, lr: float, momentum: float,
                      keep: float) -> None:  # fmt: skip
        """buf = momentum·buf + keep·g; data -= lr·buf, in place, as one kernel (four apart)."""
        if self._sgd is None:
            self._sgd = self.cp.ElementwiseKernel(
                "T g, float64 lr, float64 momentum, float64 keep",
                "T buf, T data",
                "buf = (T)(momentum * (double)buf + keep * (double)g); "
                "data = (T)((double)data - lr * (double)buf);",
                "likelygrad_sgd_momentum",
            )
        self._sgd(g, lr, momentum, keep, buf, data)

    # kernels CuPy spells directly (fancy indexing and a scatter-add the standard lacks)
    def take(self, x: Any, index: tuple) -> Any:
        return x[index]

    def scatter_add(self, shape: tuple, dtype: Any, index: tuple, g: Any, like: Any) -> Any:
        import cupyx

        out = self.cp.zeros(shape, dtype=dtype)
        cupyx.scatter_add(out, index, g)
        return out

    def put(self, x: Any, index: tuple, v: Any) -> Any:
        out = x.copy()
        out[index] = v
        return out

    def pick_rows(self, x: Any, idx: Any) -> Any:
        return x[self.cp.arange(x.shape[0]), idx]

    def add_rows(self, x: Any, idx: Any, g: Any) -> Any:
        import cupyx

        cupyx.scatter_add(x, (self.cp.arange(x.shape[0]), idx), g)
        return x


def load_cupy() -> None:
    """Register CuPy as the backend of 'cuda' (called on the first CUDA request)."""
    backend = CupyBackend()
    B.register(backend.cp.ndarray, backend, "cuda")


def is_available() -> bool:
    """True if CuPy is installed and sees at least one CUDA device (never raises)."""
    if "cuda" in B._BY_DEVICE:
        return True
    try:
        cp = importlib.import_module("cupy")
        return int(cp.cuda.runtime.getDeviceCount()) > 0
    except Exception:  # no CuPy, no driver, no device: all mean "not available"
        return False


def device_count() -> int:
    """The number of CUDA devices CuPy sees (0 without CuPy or a driver)."""
    if not is_available():
        return 0
    try:
        return int(_cupy().cuda.runtime.getDeviceCount())
    except Exception:
        return 1 if "cuda" in B._BY_DEVICE else 0


def current_device() -> int:
    """The index of the current CUDA device."""
    return int(_cupy().cuda.Device().id) if _has_cupy() else 0


def _has_cupy() -> bool:
    import importlib.util

    return importlib.util.find_spec("cupy") is not None


def get_device_name(index: int | None = None) -> str:
    """The GPU's name, e.g. 'NVIDIA H100 80GB HBM3'."""
    cp = _cupy()
    props = cp.cuda.runtime.getDeviceProperties(0 if index is None else index)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device: Any = None) -> None:
    """Wait for every kernel queued on the device to finish (for timing)."""
    if _has_cupy() and is_available():
        _cupy().cuda.Device(0 if device is None else B.as_device(device).index or 0).synchronize()


def manual_seed(seed: int) -> None:
    """Seed the CUDA generators (lg.manual_seed already does, with every device's)."""
    from .random import manual_seed as seed_all

    seed_all(seed)


manual_seed_all = manual_seed


def max_memory_allocated(device: Any = None) -> int:
    """Bytes CuPy's memory pool holds at most so far (its total, not a per-call peak)."""
    return int(_cupy().get_default_memory_pool().total_bytes()) if _has_cupy() else 0


def empty_cache() -> None:
    """Return CuPy's cached, unused GPU memory to the driver."""
    if _has_cupy():
        _cupy().get_default_memory_pool().free_all_blocks()
