"""`lg.backends`: PyTorch's switches for its native backends, answered for likelygrad.

likelygrad has no Apple-GPU (MPS) backend, no Intel-GPU (XPU) backend and no cuDNN; code that
asks (`if torch.backends.mps.is_available()`, `torch.xpu.is_available()`) gets a truthful False
and takes its CPU or CUDA branch.
"""

from __future__ import annotations

from types import SimpleNamespace

mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = SimpleNamespace(
    enabled=False, benchmark=False, deterministic=True, is_available=lambda: False
)
# torch.xpu, Intel GPUs: `lg.xpu` (the examples ask it beside cuda and mps)
xpu = SimpleNamespace(is_available=lambda: False, device_count=lambda: 0)
