"""Similarities and distances between rows of two tensors, as `nn.functional`'s:
`cosine_similarity` and `pairwise_distance`. Both broadcast their inputs and are compositions
of tensor ops, so their gradients follow."""

from __future__ import annotations

from ..broadcasting import broadcast_tensors
from ..dispatch import promote
from ..linalg import vector_norm
from ..tensor import Tensor


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 · x2 / (max(‖x1‖, eps) · max(‖x2‖, eps)) along `dim` of their broadcast shape
    (that dim is removed)."""
    (a, b), _ = promote("cosine_similarity", x1, x2)
    a, b = broadcast_tensors(a, b)
    d = a._dim(dim)
    na = vector_norm(a, 2, d, True).clamp_min(eps)
    nb = vector_norm(b, 2, d, True).clamp_min(eps)
    return ((a / na) * (b / nb)).sum(d)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """‖x1 - x2 + eps‖_p along the last dimension (of the inputs broadcast together)."""
    diff = x1 - x2 + eps
    if diff.ndim == 0:  # torch reduces over no dimension of 0-d inputs
        return diff.abs() if p != 0 else (diff != 0).to(diff.dtype)
    return vector_norm(diff, p, -1, keepdim)
