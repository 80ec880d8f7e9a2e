"""Tensor methods that write into a tensor in place: fills and copies (`fill_`, `zero_`,
`copy_`, `normal_`, `uniform_`), writes at positions (`masked_fill_`, `index_*_`,
`scatter*_`, `fill_diagonal_`) and shape changes in place (`t_`, `unsqueeze_`, ...).

The rules of `tensor_inplace.py` hold (leaves that require grad change only under no_grad, a
graph records the change); these methods reach them through `_update`, `_write` and
`__setitem__`.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dispatch as D
from . import dtypes as dt
from . import inplace as IP
from .backend import backend_of


class WriteMethods:
    """Fills, copies, writes at positions and shape changes in place (mixed into Tensor
    through InplaceMethods)."""

    __slots__ = ()
    array: Any
    _node: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

        def __setitem__(self, index: Any, value: Any) -> None: ...

    # ---- shape in place: the tensor takes the new view's shape (and, in a graph, its node) --
    def _reshape_(self, view: Any, name: str) -> Any:
        IP.check_inplace(self, name)
        self.array = view.array
        if view._node is not None and D._MODE.enabled:
            self._node = view._node
            self._node.out = weakref.ref(self)
        self._version[0] += 1
        return self

    def squeeze_(self, dim: Any = None) -> Any:
        return self._reshape_(self.squeeze(dim), "squeeze_")

    def unsqueeze_(self, dim: int) -> Any:
        return self._reshape_(self.unsqueeze(dim), "unsqueeze_")

    def t_(self) -> Any:
        return self._reshape_(self.t(), "t_")

    def transpose_(self, dim0: int, dim1: int) -> Any:
        return self._reshape_(self.transpose(dim0, dim1), "transpose_")

    swapaxes_ = swapdims_ = transpose_

    # ---- writing at positions ---------------------------------------------------------------
    def masked_fill_(self, mask: Any, value: Any) -> Any:
        return self._update(lambda t: t.masked_fill(mask, value), "masked_fill_")

    def masked_scatter_(self, mask: Any, source: Any) -> Any:
        return self._update(lambda t: t.masked_scatter(mask, source), "masked_scatter_")

    def index_fill_(self, dim: int, index: Any, value: Any) -> Any:
        return self._update(lambda t: t.index_fill(dim, index, value), "index_fill_")

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        return self._update(lambda t: t.index_add(dim, index, source, alpha=alpha), "index_add_")

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        return self._update(lambda t: t.index_put(indices, values, accumulate), "index_put_")

    def scatter_(
        self, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: Any = None
    ) -> Any:
        return self._update(lambda t: t.scatter(dim, index, src, value, reduce=reduce), "scatter_")

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Any:
        return self._update(lambda t: t.scatter_add(dim, index, src), "scatter_add_")

    def scatter_reduce_(
        self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
    ) -> Any:
        return self._update(
            lambda t: t.scatter_reduce(dim, index, src, reduce, include_self=include_self),
            "scatter_reduce_",
        )

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Any:
        """Write `fill_value` on the main diagonal (all dims of equal size; for a tall matrix,
        `wrap` restarts the diagonal every n + 1 rows, as NumPy's fill_diagonal)."""
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise RuntimeError("all dimensions of input must be of equal length")
        n = min(self.shape)
        if self.ndim > 2 or not wrap or self.shape[0] <= self.shape[1]:
            idx = (np.arange(n),) * self.ndim
        else:  # wrap: the diagonal pattern repeats after a skipped row, as in torch
            rows = np.arange(self.shape[0])
            rows = rows[rows % (self.shape[1] + 1) < self.shape[1]]
            idx = (rows, rows % (self.shape[1] + 1))
        self[idx] = fill_value
        return self

    # ---- fills and copies -------------------------------------------------------------------
    def zero_(self) -> Any:
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Any:
        """Fill with `value` in place."""
        v = value.item() if isinstance(value, D.Tensor) else value
        self[...] = v
        return self

    def copy_(self, src: Any, non_blocking: bool = False) -> Any:
        """Copy `src`'s values (broadcast, converted to this dtype and device) in place."""
        s = src if isinstance(src, D.Tensor) else D.const(self, D.infer(src))
        if s.device != self.device:
            s = s.to(self.device)
        s = s.expand(*self.shape) if s.shape != self.shape else s
        self[...] = s
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
        """Fill with samples from U(a, b) in place."""
        from .random import draw

        u = draw("random", self.shape, self._rng_dtype(), self.device, generator)
        return self._fill_random(u * (b - a) + a if (a, b) != (0.0, 1.0) else u, "uniform_")

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
        """Fill with samples from N(mean, std²) in place."""
        from .random import draw

        z = draw("standard_normal", self.shape, self._rng_dtype(), self.device, generator)
        return self._fill_random(z * std + mean if (mean, std) != (0.0, 1.0) else z, "normal_")

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Any:
        """Fill with 1 with probability `p` (a number, or a tensor broadcast to self), else 0."""
        from .random import draw

        if isinstance(p, D.Tensor):
            prob = p.detach().to(self._rng_dtype()).expand(*self.shape).array
            lo, hi = (p.amin().item(), p.amax().item()) if p.numel() else (0.0, 0.0)
        else:
            prob = lo = hi = p
        if not 0 <= lo <= hi <= 1:
            raise RuntimeError(f"bernoulli_: expected p in [0, 1], got {lo}..{hi}")
        u = draw("random", self.shape, self._rng_dtype(), self.device, generator)
        return self._fill_random(u < prob, "bernoulli_")

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Any:
        """1 with probability self (or `p`), elementwise, else 0: see `lg.bernoulli`."""
        from .random_sampling import bernoulli

        return bernoulli(self, p, generator=generator)  # type: ignore[arg-type]

    def multinomial(
        self, num_samples: int, replacement: bool = False, *, generator: Any = None
    ) -> Any:
        """Category indices drawn in proportion to self's rows: see `lg.multinomial`."""
        from .random_sampling import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)  # type: ignore[arg-type]

    def _rng_dtype(self) -> Any:
        return self.dtype if self.dtype in (dt.float32, dt.float64) else dt.float64

    def _fill_random(self, values: Any, name: str) -> Any:
        IP.check_inplace(self, name)
        xp = backend_of(self.array)
        if xp.dtype_of(values) != self.dtype:
            values = xp.astype(values, self.array.dtype)
        self.array[...] = values
        self._version[0] += 1
        return self
