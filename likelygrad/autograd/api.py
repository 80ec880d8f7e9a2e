"""`backward` and `grad` on tensors: seeds checked, then the engine's one sweep over nodes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dispatch as D
from ..backend import backend_of
from .engine import run_backward


def _as_list(x: Any) -> list[Any]:
    return [x] if isinstance(x, D.Tensor) else list(x)


def _no_create_graph(create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (higher-order gradients) is not supported by likelygrad: its "
            "vector-Jacobian products compute on arrays, outside the graph. Use finite "
            "differences of first gradients (lg.gradcheck shows how) for a Hessian-vector product."
        )


def _seeds(outputs: list[Any], grads: Any, where: str) -> list[Any]:
    """dL/d(output) for each output: ones for a scalar, else the given gradient, checked."""
    if grads is None and len(outputs) == 1:  # the common case: loss.backward()
        t = outputs[0]
        a = t.array
        if type(a) is np.ndarray and a.size == 1 and t._node is not None:
            return [np.ones(a.shape, dtype=a.dtype)]
    given = [None] * len(outputs) if grads is None else _as_list(grads)
    if len(given) != len(outputs):
        raise RuntimeError(f"{where}: got {len(given)} gradients for {len(outputs)} outputs")
    seeds = []
    for i, (t, g) in enumerate(zip(outputs, given)):
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn: "
                "there is nothing to differentiate. Create inputs with requires_grad=True "
                "(outside no_grad())."
            )
        xp = backend_of(t.array)
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs: the output has "
                    f"shape {tuple(t.shape)}; pass a gradient of that shape or reduce it first, "
                    "e.g. "
                    "y.sum().backward()"
                )
            seeds.append(xp.reshape(xp.asarray(1, dtype=t.dtype, device=t.device), t.shape))
            continue
        if isinstance(g, D.Tensor):
            g = g.to(t.device).array
        s = xp.asarray(g, dtype=t.dtype, device=t.device)
        if tuple(s.shape) != t.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(s.shape)} and "
                f"output[{i}] has a shape of {tuple(t.shape)}."
            )
        seeds.append(s)
    return seeds


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Add d(tensors)/d(leaf) (times `grad_tensors`) into the `.grad` of every leaf reached, or
    only into those of `inputs`. The graph is freed unless `retain_graph`."""
    _no_create_graph(create_graph)
    outputs = _as_list(tensors)
    seeds = _seeds(outputs, grad_tensors, "backward")
    roots = [t._node for t in outputs]
    if inputs is None:
        run_backward(roots, seeds, bool(retain_graph))
        return
    targets = _as_list(inputs)
    if not targets:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    for t in targets:
        if not t.requires_grad:
            raise RuntimeError("backward: one of the inputs does not require grad")
    got = run_backward(roots, seeds, bool(retain_graph), capture=[t._node for t in targets])
    undo: list = []
    for t, g in zip(targets, got or ()):
        if g is None:
            continue
        if t.is_leaf:
            D.ACCUMULATE.accumulate(t._node, g, undo)
        else:
            t._grad = D.make(g + 0, None) if t._grad is None else D.make(t._grad.array + g, None)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(inputs) (times `grad_outputs`), returned as a tuple; no `.grad` changes."""
    _no_create_graph(create_graph)
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) is not supported by likelygrad")
    outs, ins = _as_list(outputs), _as_list(inputs)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = _seeds(outs, grad_outputs, "grad")
    got = run_backward(
        [t._node for t in outs], seeds, bool(retain_graph), capture=[t._node for t in ins]
    )
    result: list[Any] = []
    for t, g in zip(ins, got or [None] * len(ins)):
        if g is None:
            if materialize_grads:
                result.append(D.make(backend_of(t.array).zeros_like(t.array), None))
                continue
            if not (allow_unused or materialize_grads):
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(D.make(g if backend_of(g).owns(g) else g + 0, None))
    return tuple(result)
