"""`export(model, path, example_input)`: a likelygrad model as an ONNX file.

The opset is 17 by default, chosen on purpose: it is the first with LayerNormalization as one
operator (so every layer of the library maps to single standard ops), it has Softmax over one
axis (opset 13+ semantics, as `softmax(dim=-1)`) and Split/Reshape with their sizes as inputs,
and every maintained runtime runs it (onnxruntime since 1.12, 2022). Newer opsets add nothing
these models use.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..atomic import atomic_write
from ..autograd import no_grad
from ..creation import as_tensor
from ..tensor import Tensor
from .graph import Graph
from .registry import export_module

OPSET = 17
IR_VERSION = 8  # the IR version of opset 17's release: files load in runtimes of that age on
HEADS = ("logits", "softmax", "sigmoid", "gaussian")
# onnx.TensorProto element types: float inputs, or integer indices (an Embedding's)
_ELEM = {"float32": 1, "float64": 11, "float16": 10, "int64": 7, "int32": 6}


def load_onnx() -> Any:
    """The `onnx` package, or an ImportError naming the extra that installs it."""
    try:
        return importlib.import_module("onnx")
    except ImportError as e:
        raise ImportError(
            "ONNX export needs the onnx package: pip install 'likelygrad[onnx]' "
            "(and onnxruntime to run the exported file)"
        ) from e


def _float_dtype(model: Any, x: Tensor) -> np.dtype:
    """The float type of the model's activations: its parameters', else the input's."""
    for p in getattr(model, "parameters", lambda: iter(()))():
        if p.is_floating_point():
            return np.dtype(p.dtype)
    return np.dtype(x.dtype) if x.is_floating_point() else np.dtype(np.float32)


def _head(g: Graph, y: str, head: str, out: Tensor) -> tuple[list[str], list[tuple]]:
    """Nodes turning the model's output into what the file returns: (names, shapes)."""
    shape = tuple(out.shape[1:])
    if head == "logits":
        return [g.rename_output(y, "logits")], [shape]
    if head == "softmax":  # P(y = k | x) of a Categorical likelihood, over the last axis
        return [g.rename_output(g.node("Softmax", [y], axis=-1), "probs")], [shape]
    if head == "sigmoid":  # P(y = 1 | x) of a Bernoulli likelihood, per output
        return [g.rename_output(g.node("Sigmoid", [y]), "probs")], [shape]
    # gaussian: the last axis holds means then log standard deviations, as many of each
    width = out.shape[-1]
    if out.ndim < 2 or width % 2:
        raise ValueError(
            f"export(head='gaussian'): the model's output {tuple(out.shape)} must end in an "
            "even-sized axis holding the means, then the log standard deviations"
        )
    k = width // 2
    mean, log_std = g.node("Split", [y, g.ints([k, k], "split")], n_outputs=2, axis=-1)
    std = g.node("Exp", [log_std])
    half = (*shape[:-1], k)
    return [g.rename_output(mean, "mean"), g.rename_output(std, "std")], [half, half]


def export(
    model: Any,
    path: str | os.PathLike,
    example_input: Any,
    *,
    head: str = "logits",
    input_name: str = "input",
    dynamic_batch: bool = True,
    opset: int = OPSET,
    check: bool = True,
) -> Path:
    """Write `model` (a likelygrad Module) as an ONNX file at `path`; return the path.

    `example_input` (a Tensor or array, with a batch axis first) fixes the input's dtype and
    the shape of all but the first axis, which is left dynamic ("batch") unless
    `dynamic_batch=False`. `head` adds the likelihood's link to the model's logits: 'softmax'
    (Categorical probabilities) or 'sigmoid' (Bernoulli) give an output "probs"; 'gaussian'
    splits the last axis into "mean" and "std" = exp(log std); 'logits' (default) returns the
    output as "logits". The model is exported as in eval mode. With `check`, the file is
    verified by onnx.checker with full shape inference before it is written.
    """
    onnx = load_onnx()
    if head not in HEADS:
        raise ValueError(f"export: head must be one of {HEADS}, got {head!r}")
    if opset < OPSET:
        raise ValueError(f"export: opset {opset} is older than {OPSET}, the oldest supported")
    x = example_input if isinstance(example_input, Tensor) else as_tensor(example_input)
    dtype = str(np.dtype(x.dtype))
    if dtype not in _ELEM or x.ndim < 1:
        raise ValueError(
            f"export: example_input must be a batch (N, ...) of float16, float32 or float64 "
            f"values (or int32/int64 indices), got {tuple(x.shape)} {dtype}"
        )
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            g = Graph(onnx, _float_dtype(model, x))
            y, out = export_module(g, model, input_name, x)
            names, shapes = _head(g, y, head, out)
    finally:
        model.train(was_training)
    batch = ["batch"] if dynamic_batch else [int(x.shape[0])]
    info = onnx.helper.make_tensor_value_info
    graph = onnx.helper.make_graph(
        g.nodes,
        type(model).__name__,
        [info(input_name, _ELEM[dtype], [*batch, *x.shape[1:]])],
        [info(n, _ELEM[str(np.dtype(out.dtype))], [*batch, *s]) for n, s in zip(names, shapes)],
        initializer=g.initializers,
    )
    proto = onnx.helper.make_model(
        graph,
        opset_imports=[onnx.helper.make_opsetid("", opset)],
        ir_version=IR_VERSION,
        producer_name="likelygrad",
        producer_version=__version__,
        doc_string=f"{type(model).__name__} exported by likelygrad {__version__}, head={head}",
    )
    if check:
        onnx.checker.check_model(proto, full_check=True)
    path = Path(path)
    with atomic_write(path, "wb") as f:
        f.write(proto.SerializeToString())
    return path
