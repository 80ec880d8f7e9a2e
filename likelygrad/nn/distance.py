"""Modules for `F.cosine_similarity` and `F.pairwise_distance` (PyTorch's names and defaults)."""

from __future__ import annotations

from ..tensor import Tensor
from .functional_distance import cosine_similarity, pairwise_distance
from .module import Module


class CosineSimilarity(Module):
    """x1 · x2 / (max(‖x1‖, eps) · max(‖x2‖, eps)) along `dim`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x1 - x2 + eps‖_p along the last dimension."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
