"""How a tensor prints: PyTorch's `tensor([...], dtype=..., grad_fn=<...>)` layout."""

from __future__ import annotations

from typing import Any

import numpy as np

# dtypes torch leaves unsaid: the default float, int64 and bool
_IMPLICIT = {"int64", "bool"}


def tensor_repr(t: Any) -> str:
    """`tensor([1., 2.], requires_grad=True)`, with dtype, device and grad_fn when they matter."""
    from .dtypes import get_default_dtype

    values = t.numpy(force=True)
    if values.size > 1000:  # summarize like torch: the first and last three of each axis
        body = np.array2string(
            values, separator=", ", prefix="tensor(", precision=4, threshold=1000, edgeitems=3
        )
    else:
        body = np.array2string(
            values, separator=", ", prefix="tensor(", precision=4, threshold=1000
        )
    extra = []
    dev = t.device
    if dev.type != "cpu":
        extra.append(f"device='{dev}'")
    if t.dtype.name not in _IMPLICIT and t.dtype != get_default_dtype():
        extra.append(f"dtype=torch.{t.dtype.name}".replace("torch.", "lg."))
    if values.size == 0 and t.ndim > 1:
        extra.append(f"size={tuple(t.shape)}")
    if t.grad_fn is not None:
        extra.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extra.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extra) + ")"


def size_repr(shape: tuple[int, ...]) -> str:
    return f"lg.Size({list(shape)})"
