"""`lg.backends`: PyTorch's switches for its native backends, answered for likelygrad.

likelygrad has no Apple-GPU (MPS) backend and no cuDNN; code that asks
(`if torch.backends.mps.is_available()`) gets a truthful False and takes its CPU or CUDA branch.
"""

from __future__ import annotations

from types import SimpleNamespace

mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = SimpleNamespace(
    enabled=False, benchmark=False, deterministic=True, is_available=lambda: False
)
