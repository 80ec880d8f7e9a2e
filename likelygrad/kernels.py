"""`Backend`: one array library's namespace plus the kernels the Array API standard lacks.

Ops compute with `ctx.xp`, a `Backend`: attribute lookups fall through to the library's Array API
namespace (`xp.exp`, `xp.sum`, `xp.permute_dims`, ...), and a few methods are *kernels*,
operations the standard has no fast spelling for (a scatter-add, a row softmax, advanced
indexing), written here once, portably. `numpy_kernels.NumPyBackend` overrides the ones NumPy
spells faster; `cuda.CupyBackend` the ones CuPy does. To add a library: subclass `Backend`
(its device mapping, conversions, and any kernel it can do faster) and `backend.register` it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .devices import as_device, device
from .dtypes import as_dtype
from .window_kernels import WindowKernels


def _namespace(obj: Any) -> Any:
    """The Array API namespace of an array, or None for anything else."""
    get = getattr(obj, "__array_namespace__", None)
    return get() if get is not None and not isinstance(obj, np.ndarray | np.generic) else None


class Backend(WindowKernels):
    """One array library: its namespace (standard names, looked up once) and portable kernels."""

    reads_back_cheaply = True  # float(a 0-d array) costs nothing much (False: it waits for a GPU)

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
        for key in (str(d), f"{d.type}:0" if d.index is None else "", d.type):
            if key in self.devices:
                return self.devices[key]
        raise RuntimeError(f"{self.name} cannot hold tensors on {d}")

    def asarray(
        self, obj: Any, dtype: Any = None, device: device | None = None, copy: bool | None = None
    ) -> Any:
        """An array of this library on `device` (default: where `obj` is, for an array of this
        library; else this library's first device)."""
        if device is None and _namespace(obj) is self.ns:
            native = None  # stays on its device
        else:
            native = self.native_device(device or next(iter(map(as_device, self.devices))))
        kw: dict[str, Any] = {} if native is None else {"device": native}
        if dtype is not None:
            kw["dtype"] = self.native_dtype(as_dtype(dtype))
        return self.ns.asarray(obj, copy=copy, **kw)

    def to_numpy(self, a: Any) -> np.ndarray:
        """A NumPy copy (or view, on the CPU) of an array of this library."""
        host = self.devices.get("cpu")
        if host is not None and getattr(a, "device", host) != host:
            a = a.to_device(host)  # the Array API's way off an accelerator
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

    def row_major_copy(self, x: Any) -> Any:
        """A copy of x (the Array API has no memory layouts; NumPy's says row-major)."""
        return self.ns.asarray(x, copy=True)

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
        host = tuple(  # device index arrays come to the host (CuPy's lack __array_namespace__)
            p
            if p is None or isinstance(p, np.ndarray | slice | int | np.integer | type(...))
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
        zeros = self.ns.zeros(tuple(shape), dtype=dtype, device=getattr(like, "device", None))
        return self.scatter_reduce(zeros, index, self.ns.astype(g, dtype), "sum")

    def scatter_reduce(self, x: Any, index: tuple, v: Any, reduce: str) -> Any:
        """A copy of x with v combined into x[index] (an advanced index) by `reduce`: 'sum',
        'prod', 'amax' or 'amin'; a position named twice combines every value given for it.

        Portably: a (positions × values) match matrix, values placed by `where` (never by a
        product, so an inf elsewhere cannot turn into nan) and reduced along its rows.
        """
        xp = self.ns
        pos = self.positions(tuple(x.shape), index)
        match = self.asarray(
            pos.reshape(1, -1) == np.arange(math.prod(x.shape))[:, None], device=self.device_of(x)
        )
        vals = xp.reshape(xp.broadcast_to(v, tuple(pos.shape)), (1, -1))
        flat = xp.reshape(x, (-1,))
        if reduce in ("sum", "prod"):
            unit = xp.zeros_like(vals) if reduce == "sum" else xp.ones_like(vals)
            combined = (xp.sum if reduce == "sum" else xp.prod)(xp.where(match, vals, unit), axis=1)
            out = flat + combined if reduce == "sum" else flat * combined
        else:
            big = (xp.finfo if dt_kind(x) in "fc" else xp.iinfo)(x.dtype)
            unit = xp.full_like(vals, big.min if reduce == "amax" else big.max)
            pick = xp.max if reduce == "amax" else xp.min
            both = xp.stack([flat, pick(xp.where(match, vals, unit), axis=1)])
            out = pick(both, axis=0)
        return xp.reshape(out, tuple(x.shape))

    def put(self, x: Any, index: tuple, v: Any) -> Any:
        """A copy of x with x[index] = v for an advanced index; of values written to the same
        position, the last one stays (as NumPy's assignment)."""
        xp = self.ns
        where = self.positions(tuple(x.shape), index)
        if where.size == 0:
            return xp.asarray(x, copy=True)
        writer = np.full(math.prod(x.shape), -1)  # which value lands at each flat position:
        writer[where.reshape(-1)] = np.arange(where.size)  # NumPy's assignment keeps the last
        dev = self.device_of(x)
        vals = xp.reshape(xp.broadcast_to(v, where.shape), (-1,))
        picked = xp.take(vals, self.asarray(np.maximum(writer, 0), device=dev), axis=0)
        out = xp.where(self.asarray(writer >= 0, device=dev), picked, xp.reshape(x, (-1,)))
        return xp.reshape(out, tuple(x.shape))

    def argsort(self, x: Any, axis: int = -1, descending: bool = False) -> Any:
        """Indices that sort x along `axis`, stably (equal elements keep their order); NaN
        counts as the largest value, as in PyTorch."""
        return self.ns.argsort(x, axis=axis, descending=descending, stable=True)

    def cumsum(self, x: Any, axis: int) -> Any:
        """Running sums along `axis` (x has at least one dimension)."""
        return self.ns.cumulative_sum(x, axis=axis)

    def cumprod(self, x: Any, axis: int) -> Any:
        """Running products along `axis` (x has at least one dimension)."""
        return self.ns.cumulative_prod(x, axis=axis)

    def diagonal(self, x: Any, offset: int, axis1: int, axis2: int) -> Any:
        """The diagonal of x over two axes (offset > 0 above the main one) as its last axis:
        the axes moved last and flattened, then a strided slice picks x[..., i, i + offset]."""
        xp = self.ns
        rest = tuple(i for i in range(x.ndim) if i not in (axis1, axis2))
        x = xp.permute_dims(x, (*rest, axis1, axis2))
        n, m = x.shape[-2:]
        length, start = diagonal_span(n, m, offset)
        flat = xp.reshape(x, (*x.shape[:-2], n * m))
        return (
            flat[..., start : start + (m + 1) * (length - 1) + 1 : m + 1]
            if length
            else flat[..., :0]
        )

    def pick_rows(self, x: Any, idx: Any) -> Any:
        """x[i, idx[i]] for a 2-D x."""
        return self.ns.take_along_axis(x, idx[:, None], axis=1)[:, 0]

    def add_rows(self, x: Any, idx: Any, g: Any) -> Any:
        """x with g[i] added at x[i, idx[i]], as a new array (a one-hot sum, portably)."""
        xp = self.ns
        cols = xp.arange(x.shape[1], device=getattr(x, "device", None))
        onehot = xp.astype(idx[:, None] == cols[None, :], x.dtype)
        return x + onehot * (g if getattr(g, "ndim", 0) == 0 else g[:, None])


def dt_kind(a: Any) -> str:
    """The NumPy kind letter ('f', 'i', 'u', 'b', 'c') of an array of any library."""
    return as_dtype(a.dtype).kind


def diagonal_span(n: int, m: int, offset: int) -> tuple[int, int]:
    """(length, flat start) of diagonal `offset` of an n × m matrix stored row by row."""
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    return length, (offset if offset >= 0 else -offset * m)


class HostGenerator:
    """Draws with a NumPy generator and moves the samples to a device of another library."""

    def __init__(self, backend: Backend, rng: np.random.Generator, d: device) -> None:
        self.backend, self.rng, self.device = backend, rng, d

    def random(self, shape: tuple[int, ...], dtype: Any = np.float64) -> Any:
        return self.backend.asarray(self.rng.random(shape, dtype=dtype), device=self.device)

    def standard_normal(self, shape: tuple[int, ...], dtype: Any = np.float64) -> Any:
        values = self.rng.standard_normal(shape, dtype=dtype)
        return self.backend.asarray(values, device=self.device)
