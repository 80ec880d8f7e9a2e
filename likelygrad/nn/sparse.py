"""Embedding: a learned table with one row per token, looked up by index (PyTorch's
`nn.Embedding` and `F.embedding`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dispatch as D
from ..autograd import no_grad
from ..backend import common_backend
from ..dtypes import as_dtype, get_default_dtype
from ..embedding_ops import Embedding as EmbeddingOp
from ..random import numpy_rng
from ..tensor import Tensor
from .module import Module, Parameter


def _indices(input: Any, weight: Tensor) -> Any:
    """The indices as an integer array on the weight's backend; errors name what is wrong."""
    t = input if isinstance(input, Tensor) else D.const(weight, np.asarray(input))
    common_backend([t.array, weight.array], "embedding")  # one library and device, as torch
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"embedding: indices must be integers (Long or Int), got {t.dtype}; "
            "convert them with .long()"
        )
    n = weight.shape[0]
    if t.numel():
        lo, hi = int(t.min()), int(t.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise IndexError(
                f"embedding: index {bad} is out of range for a table of {n} rows "
                f"(valid indices: 0..{n - 1})"
            )
    return t.array


def _padding_idx(padding_idx: int | None, n: int) -> int | None:
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise ValueError(
            f"padding_idx must be within num_embeddings: {padding_idx} is not in [{-n}, {n})"
        )
    return padding_idx % n


def _renorm_(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Scale the used rows whose p-norm exceeds max_norm down to it, in place (as torch)."""
    rows = np.unique(np.asarray(D.make(idx, None).numpy(force=True)).reshape(-1))
    with no_grad():
        w = weight[rows]
        norms = (w.abs() ** norm_type).sum(1) ** (1.0 / norm_type)
        scale = (max_norm / (norms + 1e-7)).clip(max=1.0)
        weight[rows] = w * scale.reshape(-1, 1)


def embedding(
    input: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of `weight` (num_embeddings, dim) picked by the integer `input`: shape
    input.shape + (dim,). Repeated indices add up their gradients; `padding_idx`'s row gets
    none; with `max_norm` the rows used are first renormalized in place, as in torch."""
    if sparse:
        raise NotImplementedError(
            "embedding: sparse gradients are not supported; use "
            "sparse=False (the gradient is a dense table)"
        )
    if weight.ndim != 2:
        raise RuntimeError(
            f"embedding: 'weight' must be 2-D (num_embeddings, dim), got {tuple(weight.shape)}"
        )
    idx = _indices(input, weight)
    pad = _padding_idx(padding_idx, weight.shape[0])
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    return D.apply(
        EmbeddingOp,
        weight,
        indices=idx,
        padding_idx=pad,
        scale_grad_by_freq=bool(scale_grad_by_freq),
    )


class Embedding(Module):
    """A table of `num_embeddings` vectors of size `embedding_dim`, initialized N(0, 1) (the
    `padding_idx` row to zeros); calling it with integer indices returns their rows."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_idx(padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            d = as_dtype(dtype) if dtype is not None else get_default_dtype()
            values = numpy_rng(generator).standard_normal((num_embeddings, embedding_dim))
            if self.padding_idx is not None:
                values[self.padding_idx] = 0.0
            self.weight = Parameter(values.astype(d), requires_grad=not _freeze)
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Shape of weight {tuple(_weight.shape)} does not match "
                    f"num_embeddings and embedding_dim "
                    f"({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        if device is not None:
            self.to(device)

    @classmethod
    def from_pretrained(
        cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None, **kwargs: Any
    ) -> Embedding:
        """An Embedding holding `embeddings` (2-D); frozen (no gradient) unless freeze=False."""
        if embeddings.ndim != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, _weight=embeddings, _freeze=freeze, **kwargs)

    def forward(self, input: Any) -> Tensor:
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if not math.isclose(self.norm_type, 2.0):
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        if self.sparse:
            text += ", sparse=True"
        return text
