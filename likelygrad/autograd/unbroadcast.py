"""Undoing broadcasting, in one place: every VJP's result passes through `conform`.

Broadcasting in the forward pass reuses an element of a smaller input many times; by the
multivariate chain rule its gradient is the sum over those uses, so the VJP of a broadcast
is a sum over the axes broadcasting added or stretched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .node import Node


def unbroadcast(xp: Any, g: Any, shape: tuple[int, ...]) -> Any:
    """Undo broadcasting: sum `g` over the axes that broadcasting created or stretched.

    If x of shape `shape` was broadcast to g.shape in the forward pass, each element of x was
    used many times, so its gradient is the sum of the gradients of all its copies.
    This is the only place in likelygrad where broadcasting is undone.
    """
    lead = g.ndim - len(shape)
    if lead > 0:  # axes broadcasting added in front
        g = xp.sum(g, axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:  # axes of size 1 that broadcasting stretched
        g = xp.sum(g, axis=stretched, keepdims=True)
    return g


def conform(node: Node, i: int, pg: Any) -> Any:
    """VJP i of `node` as an array of its input's shape and dtype (summed back over broadcast
    axes); a VJP of a shape that cannot broadcast to the input is a bug, reported as such."""
    xp, a = node.xp, node.inputs[i]
    if type(pg) is not type(a):  # NumPy gives scalars for 0-d results
        pg = xp.asarray(pg, dtype=a.dtype)
    if pg.shape != a.shape:
        lead = pg.ndim - a.ndim
        if lead < 0 or any(n not in (1, m) for n, m in zip(a.shape, pg.shape[lead:])):
            raise RuntimeError(
                f"{node.name()} returned a gradient of shape {tuple(pg.shape)} for input {i} of "
                f"shape {tuple(a.shape)}: the shapes do not broadcast (a bug in the op's VJP)"
            )
        pg = unbroadcast(xp, pg, a.shape)
    if pg.dtype != a.dtype:
        pg = xp.astype(pg, a.dtype)
    if type(pg) is not type(a):  # a full sum in NumPy gives a scalar
        pg = xp.asarray(pg, dtype=a.dtype)
    return pg
