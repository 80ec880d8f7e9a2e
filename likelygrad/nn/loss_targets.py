"""What the losses share: torch's reductions (and its deprecated size_average/reduce), targets
moved to the input's library, device and dtype, and class labels checked with torch's errors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import dispatch as D
from ..backend import NUMPY, backend_of
from ..likelihoods import integer_labels
from ..tensor import Tensor


class TargetError(ValueError, IndexError):
    """A class index outside [0, C): torch raises IndexError; ValueError as likelygrad's others."""


def reduction_of(size_average: Any, reduce: Any, reduction: str) -> str:
    """The reduction, honouring torch's deprecated size_average= and reduce= arguments."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            stacklevel=3,
        )
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def reduced(loss: Tensor, reduction: str) -> Tensor:
    """mean, sum, or the per-element losses."""
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def as_target(target: Any, like: Tensor) -> Tensor:
    """A float target as a tensor of `like`'s dtype, library and device (tensors of other float
    widths are cast, as the likelihoods do, so float64 data never upcasts a float32 model)."""
    if not isinstance(target, Tensor):
        return D.const(like, np.asarray(target), like.dtype)
    t = target
    if type(t.array) is not type(like.array) or t.device != like.device:
        if t.requires_grad or t.device != like.device:
            t = t.to(like.device)  # differentiable
        if type(t.array) is not type(like.array):  # a constant of another library
            t = D.const(like, t.numpy(force=True), like.dtype)
    return t if t.dtype == like.dtype else t.to(like.dtype)


class TargetShapeError(ValueError, RuntimeError):
    """Targets of the wrong shape: torch raises ValueError or RuntimeError, by case."""


def class_targets(
    target: Any, batch: tuple[int, ...], k: int, ignore_index: int, op: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """(labels, kept): integer class indices of shape `batch` in [0, k), with positions equal to
    ignore_index set to 0 and marked False in `kept` (None when nothing is ignored)."""
    labels = target.numpy(force=True) if isinstance(target, Tensor) else np.asarray(target)
    batch = tuple(batch)  # a Size prints as lg.Size([...]): messages use tuples
    if labels.shape != batch:
        shape = (batch[0], k, *batch[1:]) if batch else (k,)  # the input's shape, classes on 1
        n, m = (batch[0] if batch else 1), (labels.shape[0] if labels.ndim else 1)
        torch_says = (
            f"Expected input batch_size ({n}) to match target batch_size ({m})."
            if n != m or len(batch) < 2
            else f"Expected target size {list(batch)}, got {list(labels.shape)}"
        )
        error = ValueError if n != m or len(batch) < 2 else TargetShapeError
        raise error(
            f"{op}: logits {shape} need labels of shape {batch} (one class index per example), "
            f"got {tuple(labels.shape)}: {torch_says}"
        )
    given, labels = labels, integer_labels(labels, op)
    # one pass checks both ends: read as unsigned, a negative label is larger than any k
    in_range = not labels.size or np.maximum.reduce(labels.view(np.uintp), axis=None) < k
    if in_range and not 0 <= ignore_index < k:  # the common case: nothing can be ignored
        return labels, None
    kept = labels != ignore_index
    if in_range and kept.all():
        return labels, None
    bad = kept & ((labels < 0) | (labels >= k))
    if bad.any():
        value = given[bad].flat[0]
        raise TargetError(
            f"{op}: label {value} is outside [0, {k}) for {k} classes: Target {value} is out "
            f"of bounds. (ignore_index is {ignore_index}.)"
        )
    return np.where(kept, labels, 0), kept


def fused_scale(n: int, reduction: str) -> float:
    """The fused kernels' factor on Σ log p: -1/n for a mean (nan for none, as torch), or -1."""
    if reduction == "sum":
        return -1.0
    return -1.0 / n if n else math.nan


def on_device(a: np.ndarray, like: Tensor) -> Any:
    xp = backend_of(like.array)
    return a if xp is NUMPY else xp.asarray(a, device=like.device)
