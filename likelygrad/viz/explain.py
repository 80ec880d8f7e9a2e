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

from ..autograd import input_grads, toposort
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
    return f"[{a.shape} ‖·‖={np.linalg.norm(a.astype(np.float64).ravel()):.4g}]"


def _fmt(a: np.ndarray) -> str:
    return _num(a) if np.size(a) == 1 else _vec(a)


def explain(tensor: Tensor, file: TextIO | None = None, grad: Any = None) -> list[Step]:
    """Print the backward pass of `tensor` as chain-rule products; return them as `Step`s.

    Runs its own pass over the graph: no `.grad` changes and the graph is not freed. `grad`
    seeds a non-scalar output, as in `Tensor.backward`. Prints to `file` (default stdout).
    """
    out = sys.stdout if file is None else file
    if not isinstance(tensor, Tensor):
        raise TypeError(f"explain: expected a Tensor, got {type(tensor).__name__}")
    if not tensor.requires_grad:
        raise RuntimeError(
            "explain(): this tensor does not require grad, so there is no backward pass to "
            "explain. Create its inputs with requires_grad=True (outside no_grad())."
        )
    if grad is None and tensor.data.size != 1:
        raise RuntimeError(
            f"explain(): the output has shape {tensor.shape}, not a scalar; pass grad= (an "
            "array of that shape) or reduce it first, e.g. explain(y.sum())"
        )
    seed = np.ones_like(tensor.data) if grad is None else np.asarray(grad, dtype=tensor.dtype)
    if seed.shape != tensor.shape:
        raise ValueError(f"explain(): grad has shape {seed.shape}, output {tensor.shape}")
    try:
        order = toposort(tensor) if tensor._node is not None else []
    except RuntimeError:
        raise RuntimeError(
            "explain(): the graph was released by an earlier backward(); call explain() before "
            "backward(), or pass retain_graph=True to backward()"
        ) from None
    reachable = walk(tensor)
    name = dict(zip(map(id, reachable), labels(reachable)))
    if not tensor.name and "L" not in name.values():
        name[id(tensor)] = "L"  # an unnamed output is the loss, L, as in the notes
    root = name[id(tensor)]
    print(f"backward pass of {root}, right to left, starting from d{root}/d{root} = "
          f"{_fmt(seed)}:", file=out)  # fmt: skip
    if any(t.data.size > 1 for t in order):
        print("  (for tensors, upstream × local is a vector-Jacobian product gᵀJ computed by "
              "the op's backward; the Jacobian is never formed)", file=out)  # fmt: skip

    # The same sweep as autograd.backward: a node's VJP runs once every use of it has added
    # its share to grads (the multivariate chain rule), in the same order, so the sums match.
    grads: dict[int, np.ndarray] = {id(tensor): seed}
    totals: dict[int, tuple[Tensor, np.ndarray]] = {}
    steps: list[Step] = []
    for t in order:
        g = grads.pop(id(t), None)
        if g is None:
            continue
        node, here = t._node, name[id(t)]
        assert node is not None and node.parents is not None  # toposort checked both
        parents = node.parents
        args = ", ".join(name[id(p)] for p in parents)
        print(f"{here} = {node.op.name}({args}):  d{root}/d{here} = {_fmt(g)}", file=out)
        vjps = input_grads(node, g)
        scalar = t.data.size == 1
        # With one-element tensors the VJP of upstream 1 is the local derivative itself.
        ones = input_grads(node, np.ones_like(g)) if scalar else [None] * len(vjps)
        for p, pg, local in zip(parents, vjps, ones):
            if pg is None:
                continue
            there = name[id(p)]
            loc = np.asarray(local) if scalar and p.data.size == 1 else None
            steps.append(Step(here, there, np.asarray(g), loc, np.asarray(pg)))
            lhs = f"  d{root}/d{there} += d{root}/d{here} × d{here}/d{there}"
            if loc is not None:
                print(f"{lhs} = {_num(g)} × {_num(loc)} = {_num(pg)}", file=out)
            else:
                print(f"{lhs} = {_fmt(g)} × J = {_fmt(pg)}  (vector-Jacobian product)", file=out)
            if p._node is None:
                _, before = totals.get(id(p), (p, None))
                totals[id(p)] = (p, pg if before is None else before + pg)
            else:
                prev = grads.get(id(p))
                grads[id(p)] = pg if prev is None else prev + pg
    if tensor._node is None:
        totals[id(tensor)] = (tensor, seed)
    print("gradients of the leaves (each the sum over its uses):", file=out)
    for t, total in totals.values():
        print(f"  d{root}/d{name[id(t)]} = {_fmt(total)}", file=out)
    return steps
