"""Tensor methods on vectors and matrices beyond the products: `outer`, `diag`, `diagonal`,
`tril`, `triu`, `trace`, and `addmm`. Norms are in `tensor_reduce.py` and `linalg.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dispatch as D
from . import shape_ops as SH


class LinalgMethods:
    """Outer products, diagonals, triangles and addmm (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

        def __getitem__(self, index: Any) -> Any: ...

    def outer(self, vec2: Any) -> Any:
        """The outer product of two 1-D tensors: out[i, j] = self[i] · vec2[j]."""
        if self.ndim != 1 or getattr(vec2, "ndim", 0) != 1:
            raise RuntimeError(
                f"outer: expected two 1-D tensors, got shapes {tuple(self.shape)} and "
                f"{getattr(vec2, 'shape', ())}"
            )
        return self[:, None] * vec2[None, :]

    ger = outer

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        """The diagonal over dims dim1, dim2 (offset > 0 above the main one), as the last
        dimension; a view, as in torch (writing into it writes self)."""
        a, b = self._dim(dim1), self._dim(dim2)
        if a == b:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        return D.apply(SH.Diagonal, self, offset=offset, axis1=a, axis2=b)

    def diag(self, diagonal: int = 0) -> Any:
        """A 1-D tensor as the `diagonal`-th diagonal of a square matrix, or the `diagonal`-th
        diagonal of a matrix as a 1-D tensor (a copy)."""
        if self.ndim == 2:
            return self.diagonal(diagonal).clone()
        if self.ndim != 1:
            raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {self.ndim}D")
        n = self.shape[0] + abs(diagonal)
        rows = np.arange(self.shape[0]) + max(-diagonal, 0)
        out = D.const(self, np.zeros((n, n)), self.dtype)
        out[rows, rows + diagonal] = self
        return out

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
        """Matrices (along two new dims) with the last dimension of self on their diagonal."""
        k, lead = self.shape[-1], self.shape[:-1]
        n = k + abs(offset)
        out = D.const(self, np.zeros((*lead, n, n)), self.dtype)
        rows = np.arange(k) + max(-offset, 0)
        out[..., rows, rows + offset] = self
        ndim = out.ndim
        a, b = (SH.normalize_dim(d, ndim) for d in (dim1, dim2))
        rest = iter(i for i in range(ndim - 2))
        order = [ndim - 2 if i == a else ndim - 1 if i == b else next(rest) for i in range(ndim)]
        return out.permute(*order)

    def _triangle(self, diagonal: int, lower: bool) -> Any:
        """Self with the elements above (lower) or below (upper) the `diagonal`-th diagonal of
        its last two dimensions set to 0; the gradient flows through the kept ones."""
        if self.ndim < 2:
            name = "tril" if lower else "triu"
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        n, m = self.shape[-2:]
        gap = np.arange(m)[None, :] - np.arange(n)[:, None]  # column - row
        drop = gap > diagonal if lower else gap < diagonal
        return self.masked_fill(drop, 0)

    def tril(self, diagonal: int = 0) -> Any:
        """The lower triangle: elements on and below the `diagonal`-th diagonal, others 0."""
        return self._triangle(diagonal, True)

    def triu(self, diagonal: int = 0) -> Any:
        """The upper triangle: elements on and above the `diagonal`-th diagonal, others 0."""
        return self._triangle(diagonal, False)

    def trace(self) -> Any:
        """The sum of the main diagonal of a 2-D tensor."""
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        return self.diagonal().sum()

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta · self + alpha · (mat1 @ mat2) for matrices mat1 (n×m), mat2 (m×p); self
        broadcasts to n×p. With beta = 0 self is ignored (nan in it does not propagate)."""
        for name, m in (("mat1", mat1), ("mat2", mat2)):
            if m.ndim != 2:
                raise RuntimeError(f"addmm: {name} must be a matrix, got {m.ndim}-D tensor")
        product = mat1.mm(mat2)
        product = product if alpha == 1 else product * alpha
        bias = self.expand(*product.shape)
        if beta == 0:  # torch ignores self: 0 · nan is 0 here, and self's gradient is 0
            return product + (bias * 0).nan_to_num(0.0, 0.0, 0.0)
        return product + (bias if beta == 1 else bias * beta)

    def addmm_(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._update(lambda t: t.addmm(mat1, mat2, beta=beta, alpha=alpha), "addmm_")
