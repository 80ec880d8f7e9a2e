"""The backend seam: which array library holds a tensor's data, and on which device.

Ops never name NumPy. Each op receives `ctx.xp`, the `Backend` of its inputs: the library's
Array API namespace (`xp.exp`, `xp.sum`, `xp.permute_dims`, ...) plus a few *kernels*, operations
the standard has no fast spelling for (a scatter-add, a row softmax). `Backend` writes each
kernel once, portably; `NumPyBackend` overrides the few where NumPy has a faster spelling (ufunc
`.reduce`, `out=`, `np.add.at`). That class is the one table of NumPy-specific code in the engine.

Devices use PyTorch's words: `device("cpu")`, `device("cuda", 0)`, "cuda:1". The CPU is NumPy;
"cuda" loads CuPy on first use (the `gpu` extra). Any other Array API library works on the CPU
too: a tensor wrapping an `array_api_strict` array runs every op through that namespace, which is
how the test suite proves the portable paths never call NumPy.

To add a backend: subclass `Backend` (device mapping, conversions, and any kernel it can do
faster), then `register(array_type, backend, device_type)`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .dtypes import as_dtype
from .window_kernels import WindowKernels
from .window_kernels_numpy import NumPyWindowKernels


class device:  # noqa: N801 (PyTorch's name)
    """Where a tensor's data lives: `device("cpu")`, `device("cuda")`, `device("cuda:1")`."""

    type: str
    index: int | None
    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        spec = type
        if isinstance(spec, device):
            kind, index = spec.type, spec.index if index is None else index
        elif not isinstance(spec, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got {spec!r}")
        else:
            kind, _, num = spec.partition(":")
            if num:
                if not num.isdigit() or index is not None:
                    raise RuntimeError(f"Invalid device string: '{spec}'")
                index = int(num)
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {kind}"
            )
        self.type, self.index = kind, index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def as_device(d: Any) -> device:
    """A device from a device, a string, an int (a CUDA index, as torch) or None (the CPU)."""
    if d is None:
        return CPU
    if isinstance(d, device):
        return d
    if isinstance(d, int):
        return device("cuda", d)
    return device(d)


class Backend(WindowKernels):
    """One array library: its namespace (standard names, looked up once) and portable kernels."""

    name = "array-api"

    def __init__(self, namespace: Any, devices: dict[str, Any] | None = None) -> None:
        self.ns = namespace
        self.name = getattr(namespace, "__name__", type(namespace).__name__).split(".")[-1]
        # likelygrad device string -> the library's own device object
        self.devices: dict[str, Any] = devices or {"cpu": None}

    def __getattr__(self, name: str) -> Any:  # a standard function: cached after the first use
        value = getattr(self.ns, name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"<backend {self.name}>"

    # ---- devices and conversions ------------------------------------------------------------
    def device_of(self, a: Any) -> device:
        """The likelygrad device of an array of this library."""
        native = getattr(a, "device", None)
        for name, d in self.devices.items():
            if d is None or d == native:
                return device(name)
        raise RuntimeError(f"{self.name}: arrays on {native} have no likelygrad device")

    def native_device(self, d: device) -> Any:
        key: str = str(d) if str(d) in self.devices else d.type
        if key not in self.devices:
            raise RuntimeError(f"{self.name} cannot hold tensors on {d}")
        return self.devices[key]

    def asarray(
        self, obj: Any, dtype: Any = None, device: device | None = None, copy: bool | None = None
    ) -> Any:
        """An array of this library on `device` (default: this library's first device)."""
        native = self.native_device(device or next(iter(map(as_device, self.devices))))
        kw: dict[str, Any] = {} if native is None else {"device": native}
        if dtype is not None:
            kw["dtype"] = self.native_dtype(as_dtype(dtype))
        return self.ns.asarray(obj, copy=copy, **kw)

    def to_numpy(self, a: Any) -> np.ndarray:
        """A NumPy copy (or view, on the CPU) of an array of this library."""
        return np.asarray(a)

    def native_dtype(self, dtype: np.dtype) -> Any:
        """The library's own object for a NumPy dtype."""
        return getattr(self.ns, "bool" if dtype.kind == "b" else dtype.name)

    def dtype_of(self, a: Any) -> np.dtype:
        """An array's dtype as a NumPy dtype (the form likelygrad reports)."""
        return as_dtype(a.dtype)

    def generator(self, seed: int, d: device) -> Any:
        """This library's random generator for device `d`: by default NumPy's, drawing on the
        host, its samples moved to the device (CuPy draws on the GPU instead)."""
        return HostGenerator(self, np.random.default_rng(seed), d)

    def owns(self, a: Any) -> bool:
        """True if `a` certainly owns its memory (is not a view); portably we cannot tell."""
        return False

    # ---- kernels: portable versions; NumPyBackend overrides the ones it spells faster -------
    def sum(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return self.ns.sum(x, axis=axis, keepdims=keepdims)

    def sigmoid(self, x: Any) -> Any:
        """σ(x) = 1/(1+e^-x); e^-x overflows to inf for very negative x, making σ exactly 0."""
        return 1.0 / (1.0 + self.ns.exp(-x))

    def relu(self, x: Any) -> tuple[Any, Any]:
        """(max(x, 0), the mask [x > 0] in x's dtype); -inf maps to 0, -0.0 to +0.0."""
        keep = self.ns.astype(x > 0, x.dtype)
        return self.ns.where(x > 0, x, self.ns.zeros_like(x)), keep

    def matmul_t(self, x: Any, w: Any) -> Any:
        """x @ wᵀ for a 2-D w."""
        return self.ns.matmul(x, self.ns.matrix_transpose(w))

    def row_softmax(self, x: Any, guard: bool = True) -> tuple[Any, Any]:
        """(logsumexp of each row of a 2-D array, softmax of each row), shifted by the row max.

        `guard=False` skips replacing an infinite row max by 0: only for callers that check
        their result for non-finite values.
        """
        xp = self.ns
        m = xp.max(x, axis=1, keepdims=True)
        if guard:
            m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
        e = xp.exp(x - m)
        s = xp.sum(e, axis=1, keepdims=True)
        return (m + xp.log(s))[:, 0], e / s

    # Advanced indexing (integer or boolean arrays): the Array API allows only a narrow subset,
    # so portably the index is resolved on the host into flat positions (index bookkeeping, not
    # data), and the data moves with take / a one-hot product.
    def positions(self, shape: tuple[int, ...], index: tuple) -> np.ndarray:
        """The flat position in an array of `shape` of every element x[index] picks."""
        host = tuple(
            p
            if isinstance(p, np.ndarray) or not hasattr(p, "__array_namespace__")
            else self.to_numpy(p)
            for p in index
        )
        return np.arange(math.prod(shape)).reshape(shape)[host]

    def take(self, x: Any, index: tuple) -> Any:
        """x[index] for an advanced index."""
        pos = self.positions(tuple(x.shape), index)
        flat = self.ns.reshape(x, (-1,))
        picked = self.ns.take(flat, self.asarray(pos.reshape(-1), device=self.device_of(x)), axis=0)
        return self.ns.reshape(picked, pos.shape)

    def scatter_add(
        self, shape: tuple[int, ...], dtype: Any, index: tuple, g: Any, like: Any
    ) -> Any:
        """zeros(shape) with g added at [index] (repeated positions accumulate)."""
        xp, dev = self.ns, self.device_of(like)
        pos = self.positions(tuple(shape), index).reshape(-1)
        n = math.prod(shape)
        onehot = self.asarray(
            (pos[None, :] == np.arange(n)[:, None]).astype(np.float64),
            dtype=self.dtype_of(g),
            device=dev,
        )
        flat_g = xp.reshape(xp.broadcast_to(g, tuple(pos.shape)) if g.ndim == 0 else g, (-1,))
        return xp.astype(xp.reshape(xp.matmul(onehot, flat_g), tuple(shape)), dtype)

    def put(self, x: Any, index: tuple, v: Any) -> Any:
        """A copy of x with x[index] = v for an advanced index (a position written twice takes
        the sum, so portably each position may be written once)."""
        xp = self.ns
        pos = self.positions(tuple(x.shape), index)
        if len(np.unique(pos)) != pos.size:
            raise NotImplementedError(f"{self.name}: index assignment that writes a position twice")
        covered = self.scatter_add(
            tuple(x.shape),
            x.dtype,
            index,
            xp.ones(tuple(pos.shape), dtype=x.dtype, device=getattr(x, "device", None)),
            x,
        )
        values = self.scatter_add(
            tuple(x.shape), x.dtype, index, xp.broadcast_to(v, tuple(pos.shape)), x
        )
        return xp.where(covered > 0, values, x)

    def pick_rows(self, x: Any, idx: Any) -> Any:
        """x[i, idx[i]] for a 2-D x."""
        return self.ns.take_along_axis(x, idx[:, None], axis=1)[:, 0]

    def add_rows(self, x: Any, idx: Any, g: Any) -> Any:
        """x with g[i] added at x[i, idx[i]], as a new array (a one-hot sum, portably)."""
        xp = self.ns
        cols = xp.arange(x.shape[1], device=getattr(x, "device", None))
        onehot = xp.astype(idx[:, None] == cols[None, :], x.dtype)
        return x + onehot * (g if getattr(g, "ndim", 0) == 0 else g[:, None])


class HostGenerator:
    """Draws with a NumPy generator and moves the samples to a device of another library."""

    def __init__(self, backend: Backend, rng: np.random.Generator, d: device) -> None:
        self.backend, self.rng, self.device = backend, rng, d

    def random(self, shape: tuple[int, ...], dtype: Any = np.float64) -> Any:
        return self.backend.asarray(self.rng.random(shape, dtype=dtype), device=self.device)

    def standard_normal(self, shape: tuple[int, ...], dtype: Any = np.float64) -> Any:
        values = self.rng.standard_normal(shape, dtype=dtype)
        return self.backend.asarray(values, device=self.device)


class NumPyBackend(NumPyWindowKernels, Backend):
    """NumPy, with faster spellings of the kernels (ufunc `.reduce`, `out=`, `np.add.at`)."""

    def __init__(self) -> None:
        super().__init__(np, {"cpu": None})
        self.name = "numpy"
        self._aranges: dict[int, np.ndarray] = {}

    def device_of(self, a: Any) -> device:
        return CPU

    def asarray(
        self, obj: Any, dtype: Any = None, device: device | None = None, copy: bool | None = None
    ) -> Any:
        if device is not None and device.type != "cpu":
            raise RuntimeError(f"numpy cannot hold tensors on {device}")
        if type(obj) is np.ndarray and dtype is None and not copy:
            return obj
        return np.array(obj, dtype=dtype, copy=copy)

    def native_dtype(self, dtype: np.dtype) -> Any:
        return dtype

    def dtype_of(self, a: Any) -> np.dtype:
        return a.dtype

    def owns(self, a: Any) -> bool:
        return a.base is None

    # Methods and ufunc .reduce skip the Python wrappers of np.reshape, np.sum, np.max, ...
    # (0.3-2 µs a call, which adds up over the dozens of calls of a small training step).
    def reshape(self, x: Any, shape: tuple[int, ...], copy: bool | None = None) -> Any:
        return x.reshape(shape)

    def matrix_transpose(self, x: Any) -> Any:
        return x.swapaxes(-1, -2)

    def permute_dims(self, x: Any, axes: tuple[int, ...]) -> Any:
        return x.transpose(axes)

    def astype(self, x: Any, dtype: Any, copy: bool = True) -> Any:
        return x.astype(dtype, copy=copy)

    def squeeze(self, x: Any, axis: Any) -> Any:
        return x.squeeze(axis)

    def expand_dims(self, x: Any, axis: int) -> Any:
        a = axis % (x.ndim + 1)
        return x.reshape(x.shape[:a] + (1,) + x.shape[a:])

    def max(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return np.maximum.reduce(x, axis=axis, keepdims=bool(keepdims))  # type: ignore[call-overload]

    def min(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return np.minimum.reduce(x, axis=axis, keepdims=bool(keepdims))  # type: ignore[call-overload]

    def sum(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return np.add.reduce(x, axis=axis, keepdims=bool(keepdims))  # type: ignore[call-overload]

    def sigmoid(self, x: Any) -> Any:
        t = np.negative(x, out=np.empty_like(x))  # out=: a 0-d input stays an array
        with np.errstate(over="ignore"):
            np.exp(t, out=t)
        t += 1
        return np.reciprocal(t, out=t)

    def relu(self, x: Any) -> tuple[Any, Any]:
        # A float mask multiplies about twice as fast as np.maximum or a bool mask does; the
        # product of -inf and 0 would be nan, so infinities are mapped separately.
        keep = (x > 0).astype(x.dtype)
        try:
            with np.errstate(invalid="raise"):  # -inf · 0 is the only invalid product here
                z = x * keep
        except FloatingPointError:
            z = np.where(x > 0, x, np.where(np.isnan(x), x, 0)).astype(x.dtype)
        z += 0  # turns the -0.0 of negative inputs into +0.0
        return z, keep

    def matmul_t(self, x: Any, w: Any) -> Any:
        return x @ w.T  # BLAS reads the transposed view directly: no copy of w

    def row_softmax(self, x: Any, guard: bool = True) -> tuple[Any, Any]:
        # NumPy reduces a short last axis slowly (it loops per row), so for few classes the rows
        # are reduced across a transposed copy instead; the results are the same.
        if x.shape[1] > 64:
            return super().row_softmax(x, guard)
        t = x.T.copy()
        m = np.maximum.reduce(t, axis=0)
        if guard:
            m = np.where(np.isfinite(m), m, 0)
        t -= m
        np.exp(t, out=t)
        s = np.add.reduce(t, axis=0)
        t /= s
        np.log(s, out=s)
        s += m
        return s, t.T

    def take(self, x: Any, index: tuple) -> Any:
        return x[index]

    def scatter_add(
        self, shape: tuple[int, ...], dtype: Any, index: tuple, g: Any, like: Any
    ) -> Any:
        out = np.zeros(shape, dtype=dtype)
        np.add.at(out, index, g)
        return out

    def put(self, x: Any, index: tuple, v: Any) -> Any:
        out = x.copy()
        out[index] = v
        return out

    def _rows(self, n: int) -> np.ndarray:
        """0..n-1, kept per n: batch sizes repeat every step."""
        rows = self._aranges.get(n)
        if rows is None:
            if len(self._aranges) > 64:
                self._aranges.clear()
            rows = self._aranges[n] = np.arange(n)
            rows.flags.writeable = False
        return rows

    def pick_rows(self, x: Any, idx: Any) -> Any:
        return x[self._rows(x.shape[0]), idx]

    def add_rows(self, x: Any, idx: Any, g: Any) -> Any:
        x[self._rows(x.shape[0]), idx] += g  # x is a fresh array the caller owns
        return x


NUMPY = NumPyBackend()

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
