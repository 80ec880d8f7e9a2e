"""Reverse-mode differentiation: graph nodes, an iterative topological sort, `backward`.

A tensor produced by an op while gradients are being recorded carries a `Node`: the op, the input
tensors and what the op saved for its vector-Jacobian product (VJP). `backward` walks the graph from
the output to the leaves once, in reverse topological order, so each node's VJP runs after every
gradient flowing into it has been summed (the multivariate chain rule: dL/dx = sum over the uses
of x). The sort is iterative, so a chain of any length works without RecursionError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


class _GradMode:
    enabled = True


_MODE = _GradMode()


class Node:
    """One recorded op application: `op.backward(node, g)` returns the VJPs for `parents`.

    `needs[i]` says whether input i requires a gradient, so an op computes only those.
    Ops store what their VJP needs in `saved` (and any options in `attrs`).
    """

    __slots__ = ("op", "parents", "needs", "saved", "attrs")

    def __init__(self, op: Any, parents: tuple[Tensor, ...], needs: tuple[bool, ...]) -> None:
        self.op = op
        self.parents: tuple[Tensor, ...] | None = parents
        self.needs = needs
        self.saved: Any = None
        self.attrs: Any = None


class no_grad:
    """Context manager (and decorator) inside which no graph is recorded."""

    def __enter__(self) -> None:
        self._prev = _MODE.enabled
        _MODE.enabled = False

    def __exit__(self, *exc: object) -> None:
        _MODE.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return fn(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class enable_grad(no_grad):
    """Context manager that turns recording back on inside a `no_grad` block."""

    def __enter__(self) -> None:
        self._prev = _MODE.enabled
        _MODE.enabled = True


def is_grad_enabled() -> bool:
    """True unless inside `no_grad`."""
    return _MODE.enabled


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo NumPy broadcasting: sum `g` over the axes that broadcasting created or stretched.

    If x of shape `shape` was broadcast to g.shape in the forward pass, each element of x was
    used many times, so its gradient is the sum of the gradients of all its copies.
    This is the only place in likelygrad where broadcasting is undone.
    """
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def toposort(root: Tensor) -> list[Tensor]:
    """Tensors with a node reachable from `root`, each after every tensor that uses it.

    Iterative depth-first search with an explicit stack: a node is emitted once all its inputs
    are emitted; the list is then reversed so the output comes first.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, inputs_done = stack.pop()
        if inputs_done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        assert t._node is not None
        parents = t._node.parents
        if parents is None:
            raise RuntimeError(
                "backward through a graph a second time: its saved values were released by the "
                "first backward. Pass retain_graph=True to the first backward() to keep them."
            )
        for p in parents:
            if p._node is not None and id(p) not in seen:
                stack.append((p, False))
    order.reverse()
    return order


def input_grads(node: Node, g: np.ndarray) -> list[np.ndarray | None]:
    """The op's VJPs for g, each summed back to its input's shape and cast to its dtype."""
    assert node.parents is not None
    out: list[np.ndarray | None] = []
    for p, need, pg in zip(node.parents, node.needs, node.op.backward(node, g)):
        if need and pg is not None:
            if pg.shape != p.data.shape:
                pg = unbroadcast(pg, p.data.shape)
            if pg.dtype != p.data.dtype:
                pg = pg.astype(p.data.dtype)
            out.append(pg)
        else:
            out.append(None)
    return out


def backward(root: Tensor, seed: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(seed · root)/d(leaf) into every leaf's `.grad` that requires a gradient."""
    if root._node is None:  # backward on a leaf: its gradient is the seed itself
        root._accumulate(np.array(seed, dtype=root.data.dtype))
        return
    grads: dict[int, np.ndarray] = {id(root): seed}
    handed: set[int] = {id(seed)}  # arrays already stored as someone's .grad
    for t in toposort(root):
        g = grads.pop(id(t), None)
        node = t._node
        assert node is not None and node.parents is not None
        if g is None:
            continue
        if t._retains_grad:
            t._accumulate(g if id(g) not in handed else g.copy())
            handed.add(id(t.grad))
        for p, pg in zip(node.parents, input_grads(node, g)):
            if pg is None:
                continue
            if p._node is None:
                # A leaf's .grad must own its memory: copy views and arrays handed out before.
                if pg.base is not None or id(pg) in handed:
                    pg = pg.copy()
                p._accumulate(pg)
                handed.add(id(p.grad))
            else:
                prev = grads.get(id(p))
                grads[id(p)] = pg if prev is None else prev + pg
        if not retain_graph:  # release the intermediates this node kept alive
            node.saved = node.parents = None
