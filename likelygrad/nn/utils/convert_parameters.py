"""Parameters as one flat vector and back (torch.nn.utils.parameters_to_vector and inverse)."""

from __future__ import annotations

from collections.abc import Iterable

from ...functions import cat
from ...tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated, in order (differentiable, as torch)."""
    params = list(parameters)
    if not params:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    device = params[0].device
    for p in params:
        if p.device != device:
            raise TypeError(
                f"Found two parameters on different devices, this is currently not supported: "
                f"{device} and {p.device}"
            )
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Point each parameter's data at the next slice of `vec` (sharing its memory, as torch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() < total:
        raise RuntimeError(
            f"vector_to_parameters: vec has shape {tuple(vec.shape)} but the parameters hold "
            f"{total} "
            "elements (give a 1-D vector at least that long, e.g. from parameters_to_vector)"
        )
    start = 0
    flat = vec.detach()
    for p in params:
        n = p.numel()
        p.data = flat[start : start + n].view_as(p)
        start += n
