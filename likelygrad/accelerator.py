"""`lg.accelerator`: PyTorch's device-agnostic questions (is there a GPU, which one)."""

from __future__ import annotations

from . import cuda
from .backend import device


def is_available() -> bool:
    """True when an accelerator (a CUDA GPU through CuPy) can be used."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """device('cuda') when a GPU can be used, else None (as torch.accelerator)."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def synchronize(device: object = None) -> None:
    cuda.synchronize(device)
