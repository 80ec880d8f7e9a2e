"""Reverse-mode differentiation over a graph of `Node`s; the engine knows nothing of Tensors.

An op applied while gradients are recorded creates a `Node`: the op, its `next` nodes (one per
input: the node that made the input, the input's accumulator if it is a leaf that requires grad,
or None for a constant), and what the op saved for its vector-Jacobian product (VJP). A leaf that
requires grad is represented by an accumulator node (PyTorch's AccumulateGrad) whose op writes
the gradient into the leaf's `.grad`: the engine only calls it.

`run_backward` walks the graph once, in reverse topological order, so a node's VJP runs after
every gradient flowing into it has been summed (the multivariate chain rule: dL/dx is the sum
over the uses of x). The sort is iterative, so a chain of any length works. A failed backward
leaves no trace: partial sums are dropped and the leaves' gradients are restored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from .modes import _ANOMALY, anomaly_error, user_frame
from .node import Node
from .unbroadcast import conform

# Functions called as observer(phase, node, seconds) after each op's forward ("forward") and VJP
# ("backward"): how profilers watch the engine without patching it. Empty: no cost but a check.
OBSERVERS: list[Callable[[str, Any, float], None]] = []


def _check_versions(node: Node) -> None:
    for counter, expected, i in node.versions:
        if counter[0] != expected:
            a = node.inputs[i] if i >= 0 else None
            what = f"input {i} of shape {tuple(a.shape)}" if a is not None else "its output"
            stack = (node.meta or {}).get("stack")  # recorded in anomaly mode
            where = (
                f"\n  created at {user_frame(stack)}"
                if stack
                else ("\n  (run under lg.autograd.detect_anomaly() to see the line that made it)")
            )
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {what} of {node.name()} is at version {counter[0]}; "
                f"expected version {expected} instead. Use an out-of-place op (e.g. x = x + 1 "
                f"instead of x += 1), or .clone() the tensor before modifying it.{where}"
            )


def dependencies(roots: Sequence[Node]) -> dict[Node, int]:
    """How many uses (edges from consumers) each node reachable from `roots` has."""
    deps: dict[Node, int] = dict.fromkeys(roots, 0)
    stack = list(roots)
    while stack:
        nxt = stack.pop().next
        if nxt is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time: its saved values were "
                "released by the first backward. Pass retain_graph=True to the first backward() "
                "(or autograd.grad()) to keep them."
            )
        for n in nxt:
            if n is not None:
                if n in deps:
                    deps[n] += 1
                else:
                    deps[n] = 1
                    stack.append(n)
    return deps


def run_backward(
    roots: Sequence[Node],
    seeds: Sequence[Any],
    retain_graph: bool = False,
    capture: Sequence[Node] | None = None,
    trace: Callable[[Node, Any, list[tuple[int, Node, Any]]], None] | None = None,
) -> list[Any] | None:
    """Backpropagate `seeds` (dL/d root) from `roots` through the graph.

    A node runs once all its uses have added their share to its gradient (the multivariate
    chain rule), counted in one pass over the graph; an accumulator runs as soon as its leaf's
    gradient is complete, so post-accumulate hooks fire while backward goes on (data-parallel
    training starts communicating there). By default every accumulator reached adds into its
    leaf. With `capture`, the gradients arriving at those nodes are returned instead and no
    leaf is touched (for `autograd.grad`); only the nodes on a path to them run.
    `trace(node, g, [(i, input_node, vjp_i), ...])` sees every chain-rule step as it happens
    (`lg.explain` narrates with it).
    """
    deps = dependencies(roots)
    for r, s in zip(roots, seeds):
        r.grad = s if r.grad is None else r.grad + s
    undo: list[tuple[Any, Any]] = []
    ready = [r for r in dict.fromkeys(roots) if deps[r] == 0]
    try:
        if capture is None and trace is None and not OBSERVERS and not _ANOMALY.enabled:
            _sweep(ready, deps, retain_graph, undo)
            return None
        return _sweep_general(ready, deps, retain_graph, capture, trace, undo)
    except BaseException:  # leave no trace: no partial sums, leaf gradients as they were
        for node in deps:
            node.grad = None
        for op, entry in reversed(undo):
            op.restore(entry)
        raise


def _run_hooks(node: Node, g: Any, skip: Any) -> Any:
    """The node's hooks on its incoming gradient; a returned value replaces it (and must keep
    its shape, as in torch: a hook cannot silently broadcast a gradient)."""
    for h in list(node.hooks or ()):
        if h is not skip:
            r = h(g)
            if r is not None:
                if tuple(getattr(r, "shape", ())) != tuple(g.shape):
                    raise RuntimeError(
                        f"a hook on {node.name()} changed the size of the gradient: it returned "
                        f"shape {tuple(getattr(r, 'shape', ()))} for a gradient of shape "
                        f"{tuple(g.shape)}"
                    )
                g = r
    return g


def _store(pn: Node, pg: Any, g: Any, xp: Any) -> None:
    """Add one VJP into an input node's gradient slot."""
    if pn.grad is None:
        # a leaf's .grad must own its memory: copy a pass-through or a view
        if pn.op.is_leaf and (pg is g or not xp.owns(pg)):
            pg = xp.asarray(pg, copy=True)
        pn.grad = pg
    else:
        pn.grad = pn.grad + pg


def _sweep(ready: list[Node], deps: dict[Node, int], retain_graph: bool, undo: list) -> None:
    """The plain backward(): nodes as they become ready, VJPs summed into their inputs.

    This loop runs for every op of every training step, so `_store` and the version check
    are written out inline here.
    """
    while ready:
        node = ready.pop()
        g = node.grad
        node.grad = None
        op = node.op
        nxt = node.next
        if g is not None:
            if node.hooks:
                g = _run_hooks(node, g, None)
            if op.is_leaf:
                op.accumulate(node, g, undo)
                continue
            versions = node.versions
            if versions:
                for counter, expected, _ in versions:
                    if counter[0] != expected:
                        _check_versions(node)
            vjps = op.backward(node, g)
            inputs = node.inputs
            staged = []  # this node's VJPs are all checked before any is stored
            for i in range(len(nxt)):  # type: ignore[arg-type]
                pn, pg = nxt[i], vjps[i]  # type: ignore[index]
                if pn is None or pg is None:
                    continue
                a = inputs[i]
                if type(pg) is not type(a) or pg.shape != a.shape or pg.dtype != a.dtype:
                    pg = conform(node, i, pg)
                staged.append((pn, pg))
            for pn, pg in staged:
                if pn.grad is None:
                    # a leaf's .grad must own its memory: copy a pass-through or a view
                    if pn.op.is_leaf and (pg is g or not node.xp.owns(pg)):
                        pg = node.xp.asarray(pg, copy=True)
                    pn.grad = pg
                else:
                    pn.grad = pn.grad + pg
        elif op.is_leaf:
            continue
        for pn in nxt:  # type: ignore[union-attr]
            if pn is not None:
                d = deps[pn] - 1
                deps[pn] = d
                if d == 0:  # last in, first out: a finished leaf accumulates at once
                    ready.append(pn)
        if not retain_graph:  # release the intermediates this node kept alive
            node.saved = node.next = node.inputs = None
            if node.versions is not None:
                node.versions = None


def _needed(ready: list[Node], deps: dict[Node, int], targets: set[Node]) -> set[Node]:
    """The nodes with a path to one of `targets` (the others need not run): a dry run of the
    sweep gives a topological order, and walking it backwards marks the ancestors."""
    left, stack, order = dict(deps), list(ready), []
    while stack:
        node = stack.pop()
        order.append(node)
        for n in node.next or ():
            if n is not None:
                left[n] -= 1
                if left[n] == 0:
                    stack.append(n)
    need: set[Node] = set()
    for node in reversed(order):
        if node in targets or any(n in need for n in node.next or () if n is not None):
            need.add(node)
    return need


def _sweep_general(
    ready: list[Node],
    deps: dict[Node, int],
    retain_graph: bool,
    capture: Any,
    trace: Any,
    undo: list,
) -> list[Any] | None:
    """The sweep with the rarer options: captured gradients, tracing, observers, anomalies."""
    targets = set(capture) if capture is not None else None
    keep = _needed(ready, deps, targets) if targets is not None else None
    captured: dict[Node, Any] = {}
    anomaly = _ANOMALY.enabled and _ANOMALY.check_nan
    observers = list(OBSERVERS)
    while ready:
        node = ready.pop()
        g = node.grad
        node.grad = None
        op = node.op
        run = g is not None and (keep is None or node in keep)
        if run and node.hooks:
            # retain_grad's hook fills .grad: a backward() thing, not autograd.grad's
            retain = (node.meta or {}).get("retain") if capture is not None else None
            g = _run_hooks(node, g, retain)
        if run and targets is not None and node in targets:
            captured[node] = g
            run = any(n in keep for n in node.next or () if n is not None)  # type: ignore[operator]
        if op.is_leaf:
            if run:
                op.accumulate(node, g, undo)
            continue
        if run:
            if node.versions:
                _check_versions(node)
            t0 = time.perf_counter()
            vjps = op.backward(node, g)
            for obs in observers:
                obs("backward", node, time.perf_counter() - t0)
            staged, steps = [], []
            inputs = node.inputs
            for i, (pn, pg) in enumerate(zip(node.next or (), vjps)):
                if pn is None or pg is None or (keep is not None and pn not in keep):
                    continue
                a = inputs[i]
                if type(pg) is not type(a) or pg.shape != a.shape or pg.dtype != a.dtype:
                    pg = conform(node, i, pg)
                if anomaly and not _finite(node.xp, pg):
                    raise anomaly_error(node, f"the gradient {{op}}'s VJP returned for input {i}")
                staged.append((pn, pg))
                steps.append((i, pn, pg))
            if trace is not None:
                trace(node, g, steps)
            for pn, pg in staged:
                _store(pn, pg, g, node.xp)
        for pn in node.next or ():
            if pn is not None:
                deps[pn] -= 1
                if deps[pn] == 0:
                    ready.append(pn)
        if not retain_graph and run:
            node.saved = node.next = node.inputs = node.versions = None
    if capture is None:
        return None
    return [captured.get(n) for n in capture]


def _finite(xp: Any, a: Any) -> bool:
    return bool(xp.all(xp.isfinite(a)))
