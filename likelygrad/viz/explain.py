"""Backpropagation narrated: every chain-rule product of a backward pass, right to left.

The lecture notes compute dL/dL = 1 first and then move left, each gradient being an upstream
gradient times a local derivative: dL/dd = dL/de · de/dd. `explain` prints exactly those
products for any graph, using the ops' own vector-Jacobian products, without touching the
graph or any tensor's `.grad`, so `backward()` can still run afterwards.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from ..autograd.engine import run_backward
from ..autograd.unbroadcast import conform
from ..tensor import Tensor
from .graph import labels, walk


@dataclass(frozen=True)
class Step:
    """One chain-rule term: dL/d<input> += dL/d<node> × d<node>/d<input>.

    `upstream` is dL/d<node>; `product` is the op's vector-Jacobian product, summed back to the
    input's shape. `local` is d<node>/d<input> when both are one-element (the product is then
    an ordinary product of numbers); for larger tensors the Jacobian is never formed: None.
    """

    node: str
    input: str
    upstream: np.ndarray
    local: np.ndarray | None
    product: np.ndarray


def _num(a: np.ndarray) -> str:
    return f"{np.asarray(a).reshape(()).item():.4g}"


def _vec(a: np.ndarray) -> str:
    """A tensor as its shape and Euclidean norm (its entries would not fit on a line)."""
    a = np.asarray(a)
    return f"[{tuple(a.shape)} ‖·‖={np.linalg.norm(a.astype(np.float64).ravel()):.4g}]"


def _fmt(a: np.ndarray) -> str:
    return _num(a) if np.size(a) == 1 else _vec(a)


def explain(tensor: Tensor, file: TextIO | None = None, grad: Any = None) -> list[Step]:
    """Print the backward pass of `tensor` as chain-rule products; return them as `Step`s.

    It is the engine's own backward sweep, traced: the same nodes in the same order, the same
    VJPs and sums, but no `.grad` changes and the graph is kept. `grad` seeds a non-scalar
    output, as in `Tensor.backward`. Prints to `file` (default stdout).
    """
    out = sys.stdout if file is None else file
    if not isinstance(tensor, Tensor):
        raise TypeError(f"explain: expected a Tensor, got {type(tensor).__name__}")
    if not tensor.requires_grad:
        raise RuntimeError(
            "explain(): this tensor does not require grad, so there is no backward pass to "
            "explain. Create its inputs with requires_grad=True (outside no_grad())."
        )
    if grad is None and tensor.numel() != 1:
        raise RuntimeError(
            f"explain(): the output has shape {tuple(tensor.shape)}, not a scalar; pass grad= (an "
            "array of that shape) or reduce it first, e.g. explain(y.sum())"
        )
    root = tensor._node
    seed_np = np.ones(tensor.shape) if grad is None else np.asarray(grad, dtype=np.float64)
    if seed_np.shape != tensor.shape:
        raise ValueError(
            f"explain(): grad has shape {tuple(seed_np.shape)}, output {tuple(tensor.shape)}"
        )
    seed = root.xp.asarray(seed_np, dtype=tensor.dtype, device=tensor.device)
    if not root.op.is_leaf and root.next is None:
        raise RuntimeError(
            "explain(): the graph was released by an earlier backward(); call explain() before "
            "backward(), or pass retain_graph=True to backward()"
        )
    order = walk(tensor)
    name = {
        id(v.node) if v.node is not None else id(v.value): n for v, n in zip(order, labels(order))
    }
    if not tensor.name and "L" not in name.values():
        name[id(root)] = "L"  # an unnamed output is the loss, L, as in the notes
    top = name[id(root)]

    def label(node: Any, i: int | None = None, consumer: Any = None) -> str:
        if node is None and consumer is not None:
            return name.get(id(consumer.inputs[i]), "?")
        return name.get(id(node), "?")

    print(f"backward pass of {top}, right to left, starting from d{top}/d{top} = "
          f"{_fmt(seed_np)}:", file=out)  # fmt: skip
    if any(np.size(v.value) > 1 for v in order if v.node is not None and not v.node.op.is_leaf):
        print("  (for tensors, upstream × local is a vector-Jacobian product gᵀJ computed by "
              "the op's backward; the Jacobian is never formed)", file=out)  # fmt: skip
    steps: list[Step] = []

    def trace(node: Any, g: Any, vjps: list) -> None:
        here = label(node)
        args = ", ".join(label(n, i, node) for i, n in enumerate(node.next))
        gh = _np(g)
        print(f"{here} = {node.op.name}({args}):  d{top}/d{here} = {_fmt(gh)}", file=out)
        scalar = gh.size == 1
        # With one-element tensors the VJP of upstream 1 is the local derivative itself.
        ones = node.op.backward(node, node.xp.ones_like(g)) if scalar else None
        for i, pn, pg in vjps:
            there = label(pn)
            local = None
            if ones is not None and np.size(node.inputs[i]) == 1:
                local = _np(conform(node, i, ones[i]))
            p = _np(pg)
            steps.append(Step(here, there, gh, local, p))
            lhs = f"  d{top}/d{there} += d{top}/d{here} × d{here}/d{there}"
            if local is not None:
                print(f"{lhs} = {_num(gh)} × {_num(local)} = {_num(p)}", file=out)
            else:
                print(f"{lhs} = {_fmt(gh)} × J = {_fmt(p)}  (vector-Jacobian product)", file=out)

    leaves = [v.node for v in order if v.node is not None and v.node.op.is_leaf]
    totals = run_backward([root], [seed], retain_graph=True, capture=leaves, trace=trace)
    print("gradients of the leaves (each the sum over its uses):", file=out)
    for leaf, total in zip(leaves, totals or ()):
        if total is not None:
            print(f"  d{top}/d{label(leaf)} = {_fmt(_np(total))}", file=out)
    return steps


def _np(a: Any) -> np.ndarray:
    from ..backend import backend_of

    return np.asarray(a) if isinstance(a, np.ndarray | np.generic) else backend_of(a).to_numpy(a)
