"""Gradient clipping, as torch.nn.utils: by the norm of all gradients together, or by value.

Clipping by norm rescales every gradient by min(1, max_norm / (‖g‖ + 1e-6)), where ‖g‖ is the
norm of all gradients concatenated (the norm of the per-tensor norms): the step keeps its
direction and its length is capped. The gradients are changed in place.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

from ...autograd import no_grad
from ...creation import tensor
from ...functions import stack
from ...tensor import Tensor


def _tensors(parameters: Any) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _norm(t: Tensor, p: float) -> Tensor:
    """The p-norm of all of t's elements (p = inf: the largest magnitude)."""
    a = t.abs()
    if p == math.inf:
        return a.amax() if t.numel() else a.sum()
    if p == -math.inf:
        return a.amin()
    if p == 0:
        return (a != 0).sum().to(t.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return (a * a).sum().sqrt()
    return (a**p).sum() ** (1.0 / p)


def get_total_norm(
    tensors: Any, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach: Any = None
) -> Tensor:
    """The norm of the norms of `tensors` (as if they were concatenated into one vector)."""
    ts = [t for t in _tensors(tensors) if t is not None]
    p = float(norm_type)
    if not ts:
        return tensor(0.0)
    with no_grad():
        norms = stack([_norm(t.detach(), p).to(ts[0].device) for t in ts])  # dtypes promote
        total = _norm(norms, p)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(
    parameters: Any, max_norm: float, total_norm: Tensor, foreach: Any = None
) -> None:
    """Scale the gradients by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = [p.grad for p in _tensors(parameters) if p.grad is not None]
    if not grads:
        return
    with no_grad():
        coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device, g.dtype))


def clip_grad_norm_(
    parameters: Any,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """Rescale the gradients so that their total norm is at most max_norm; returns the total
    norm before clipping (a tensor), as torch does."""
    params = _tensors(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_norm(
    parameters: Any, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:  # fmt: skip
    """Deprecated name of clip_grad_norm_ (as in torch, with its warning)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)


def clip_grad_value_(
    parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach: Any = None
) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    v = float(clip_value)
    with no_grad():
        for p in _tensors(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-v, max=v)
