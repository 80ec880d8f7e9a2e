"""Broadcasting several tensors together, as torch's functions: `broadcast_shapes` computes the
common shape (NumPy's rules), `broadcast_tensors` expands each tensor to it (views)."""

from __future__ import annotations

from typing import Any

from .tensor import Size, Tensor


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape all `shapes` broadcast to (sizes must match or be 1, aligned from the right)."""
    sized = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    out: list[int] = []
    for i in range(1, max((len(s) for s in sized), default=0) + 1):
        sizes = {s[-i] for s in sized if len(s) >= i and s[-i] != 1}
        if len(sizes) > 1:
            a, b = sorted(sizes)[:2]
            raise RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                f"non-singleton dimension {i - 1}: shapes {sized} cannot be broadcast together"
            )
        out.append(sizes.pop() if sizes else 1)
    return Size(reversed(out))


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Each tensor expanded (a view) to the shape they broadcast to together."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(*shape) for t in tensors)
