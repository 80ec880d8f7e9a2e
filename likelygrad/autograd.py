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
    Ops store what their VJP needs in `saved`; `grad` collects dL/d(output) during backward.
    """

    __slots__ = ("op", "parents", "needs", "saved", "grad")

    def __init__(self, op: Any, parents: tuple[Tensor, ...], needs: tuple[bool, ...]) -> None:
        self.op = op
        self.parents: tuple[Tensor, ...] | None = parents
        self.needs = needs
        self.saved: Any = None
        self.grad: np.ndarray | None = None


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
    if lead > 0:  # axes broadcasting added in front (each sum returns a fresh array)
        g = np.asarray(g.sum(axis=tuple(range(lead))))  # asarray: a full sum gives a scalar
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:  # axes of size 1 that broadcasting stretched
        g = g.sum(axis=stretched, keepdims=True)
    assert g.shape == shape, f"a VJP of shape {g.shape} for an input of shape {shape}"
    return g


def toposort(root: Tensor) -> list[Tensor]:
    """Tensors with a node reachable from `root`, each after every tensor that uses it.

    Iterative depth-first search with an explicit stack: a node is emitted once all its inputs
    are emitted; the list is then reversed so the output comes first. Nodes hash by identity,
    so `seen` holds the nodes themselves.
    """
    order: list[Tensor] = []
    seen: set[Node] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    pop, push, emit, mark = stack.pop, stack.append, order.append, seen.add
    while stack:
        t, inputs_done = pop()
        if inputs_done:
            emit(t)
            continue
        node = t._node
        if node in seen:
            continue
        mark(node)  # type: ignore[arg-type]
        push((t, True))
        parents = node.parents  # type: ignore[union-attr]
        if parents is None:
            raise RuntimeError(
                "backward through a graph a second time: its saved values were released by the "
                "first backward. Pass retain_graph=True to the first backward() to keep them."
            )
        for p in parents:
            pn = p._node
            if pn is not None and pn not in seen:
                push((p, False))
    order.reverse()
    return order


def conform(pg: Any, data: np.ndarray) -> np.ndarray:
    """A VJP as an array of its input's shape and dtype (summed back over broadcast axes)."""
    if type(pg) is not np.ndarray:  # NumPy gives scalars for 0-d results
        pg = np.asarray(pg)
    if pg.shape != data.shape:
        pg = unbroadcast(pg, data.shape)
    if pg.dtype != data.dtype:
        pg = pg.astype(data.dtype)
    return pg


def input_grads(node: Node, g: np.ndarray) -> list[np.ndarray | None]:
    """The op's VJPs for g, each summed back to its input's shape and cast to its dtype."""
    vjps = node.op.backward(node, g)
    return [
        conform(pg, p.data) if need and pg is not None else None
        for p, need, pg in zip(node.parents, node.needs, vjps)  # type: ignore[arg-type]
    ]


def backward(root: Tensor, seed: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(seed · root)/d(leaf) into every leaf's `.grad` that requires a gradient.

    Each node's incoming gradients are summed in `node.grad`; nodes run output-first, so a
    node's VJP runs only after all its consumers have contributed (the multivariate chain rule).
    A leaf's `.grad` always owns its memory: a VJP that is a view, or the upstream gradient
    passed through unchanged (as `+` does), is copied before it is stored.
    """
    if root._node is None:  # backward on a leaf: its gradient is the seed itself
        root._accumulate(np.array(seed, dtype=root.data.dtype))
        return
    order = toposort(root)
    root._node.grad = seed
    try:
        for t in order:
            node = t._node
            g = node.grad  # type: ignore[union-attr]
            if g is None:
                continue
            node.grad = None  # type: ignore[union-attr]
            if t._retains_grad:
                t._accumulate(g.copy())
            vjps = node.op.backward(node, g)  # type: ignore[union-attr]
            grads = []  # this node's VJPs are all checked before any is stored
            for p, need, pg in zip(node.parents, node.needs, vjps):  # type: ignore[union-attr,arg-type]
                if pg is None or not need:
                    continue
                data = p.data  # the same checks as `conform`, inlined: this loop is hot
                if type(pg) is not np.ndarray or pg.shape != data.shape or pg.dtype != data.dtype:
                    pg = conform(pg, data)
                grads.append((p, pg))
            for p, pg in grads:
                pn = p._node
                if pn is None:
                    p._accumulate(pg.copy() if pg is g or pg.base is not None else pg)
                else:
                    pn.grad = pg if pn.grad is None else pn.grad + pg
            if not retain_graph:  # release the intermediates this node kept alive
                node.saved = node.parents = None  # type: ignore[union-attr]
    except BaseException:  # leave no partial sums behind for a later backward
        for t in order:
            if t._node is not None:
                t._node.grad = None
        raise
