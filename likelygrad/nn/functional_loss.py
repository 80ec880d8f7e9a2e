"""Classification losses, each minus the log-likelihood of a named distribution (PyTorch's names,
arguments and semantics):

    cross_entropy(l, y)        = -log p(y | l),   p = Categorical(softmax(l))
    nll_loss(log p, y)         = -log p(y),       the same, given log-probabilities
    binary_cross_entropy(q, y) = -log p(y | q),   p = Bernoulli(q):  -(y log q + (1-y) log(1-q))
    binary_cross_entropy_with_logits(l, y)  the same with q = σ(l), computed from l in log space

so `F.cross_entropy(logits, y)` equals `-Categorical(logits=logits).log_prob(y).mean()`. Class
weights make it a weighted likelihood; label smoothing and probability targets replace the
observed class by a distribution q over classes, giving the cross-entropy -Σ_c q_c log p_c.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dispatch as D
from ..functions import where
from ..softmax_ops import BernoulliLogProb, CategoricalLogProb
from ..tensor import Size, Tensor
from .loss_ops import BinaryCrossEntropy
from .loss_targets import (
    TargetError,
    as_target,
    class_targets,
    fused_scale,
    on_device,
    reduced,
    reduction_of,
)

__all__ = [
    "TargetError", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "nll_loss", "reduced", "reduction_of",
]  # fmt: skip


def _classes_last(input: Tensor) -> Tensor:
    """(N, C, d1, ...) as (N, d1, ..., C): the class axis last, where the fused kernel wants it."""
    return input.movedim(1, -1) if input.ndim > 2 else input


def _tensor(x: Any) -> Tensor:
    """x as a tensor, with torch's dtype inference for Python data."""
    return x if isinstance(x, Tensor) else D.make(D.infer(x), None)


def _class_weight(weight: Any, k: int, op: str) -> Tensor | None:
    if weight is None:
        return None
    w = _tensor(weight)
    if w.shape != (k,):
        raise RuntimeError(
            f"{op}weight tensor should be defined either for all {k} classes or no classes but "
            f"got weight tensor of shape: {list(w.shape)}"
        )
    return w


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-input[target] (input holds log-probabilities, classes on axis 1), weighted by
    weight[target]; 'mean' divides by the total weight of the examples not ignored."""
    reduction = reduction_of(size_average, reduce, reduction)
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    z = _classes_last(input)
    k = z.shape[-1]
    w = _class_weight(weight, k, "")
    labels, kept = class_targets(target, z.shape[:-1], k, ignore_index, "nll_loss")
    picked = z.gather(-1, D.make(on_device(labels[..., None], z), None)).squeeze(-1)
    return _weighted_nll(-picked, labels, kept, w, reduction, z)


def _weighted_nll(
    nll: Tensor, labels: np.ndarray, kept: Any, w: Tensor | None, reduction: str, like: Tensor
) -> Tensor:
    """Σ w_y nll / Σ w_y ('mean'), Σ w_y nll ('sum') or w_y nll, ignored examples counting 0."""
    if w is None and kept is None:
        return reduced(nll, reduction)
    lab = D.make(on_device(labels, like), None)
    wy = as_target(w, like)[lab] if w is not None else None
    if kept is not None:
        keep = D.make(on_device(kept, like), None)
        wy = keep.to(like.dtype) if wy is None else where(keep, wy, 0.0)
        nll = where(keep, nll, 0.0)
    assert wy is not None
    loss = nll * wy
    if reduction == "mean":
        total = wy.sum()  # 0 when every example is ignored: the mean is 0/0 = nan, as torch
        return loss.sum() / total if total.item() != 0 else loss.sum() * math.nan
    return loss.sum() if reduction == "sum" else loss


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """-log softmax(input)[target]: the Categorical negative log-likelihood.

    `input` is (N, C) logits, (C,) for one example, or (N, C, d1, ...) (classes on axis 1);
    `target` holds class indices (shape without the class axis) or class probabilities (the
    input's shape). The default call — logits and labels, no weight, no smoothing — is one fused
    op (`CategoricalLogProb`), the same kernel as Categorical(logits).nll(y).
    """
    reduction = reduction_of(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    x = input if input.dtype.kind == "f" else input.to(D.dt.get_default_dtype())
    z = _classes_last(x)
    k = z.shape[-1]
    target_shape = tuple(target.shape) if hasattr(target, "shape") else np.shape(target)
    if target_shape == x.shape:  # class probabilities, as torch decides
        return _cross_entropy_soft(x, target, weight, ignore_index, reduction, label_smoothing)
    labels, kept = class_targets(target, z.shape[:-1], k, ignore_index, "cross_entropy")
    lab = on_device(labels, z)
    if weight is None and kept is None and label_smoothing == 0.0 and reduction != "none":
        scale = fused_scale(labels.size, reduction)  # the hot path: one fused op, mean or sum
        return D.apply(CategoricalLogProb, z, labels=lab, scale=scale)
    w = _class_weight(weight, k, "")
    nll = _weighted_nll(-D.apply(CategoricalLogProb, z, labels=lab), labels, kept, w, reduction, z)
    if label_smoothing == 0.0:
        return nll
    # -Σ_c w_c log p_c: the cross-entropy against the uniform distribution, times C
    logp = z.log_softmax(-1)
    smooth = -(logp if w is None else logp * as_target(w, z)).sum(-1)
    if kept is not None:
        smooth = where(D.make(on_device(kept, z), None), smooth, 0.0)
    if reduction == "mean":
        if w is not None:
            wy = w.numpy(force=True)[labels]
            denom = float((wy if kept is None else np.where(kept, wy, 0)).sum())
        else:
            denom = float(labels.size if kept is None else kept.sum())
        smooth = smooth.sum() / denom if denom else smooth.sum() * math.nan
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / k)


def _cross_entropy_soft(
    x: Tensor, target: Any, weight: Any, ignore_index: int, reduction: str, eps: float
) -> Tensor:
    """-Σ_c w_c q_c log p_c with q the given class probabilities (smoothed toward uniform)."""
    t = _tensor(target)
    if t.dtype.kind != "f":
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{t.type()[6:-6]} (class indices have the input's shape without the class axis)"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    axis = 0 if x.ndim == 1 else 1
    k = x.shape[axis]
    q = as_target(t, x)
    if eps > 0:
        q = q * (1.0 - eps) + eps / k
    logp = x.log_softmax(axis)
    w = _class_weight(weight, k, "cross_entropy: ")
    if w is not None:
        shape = [1] * x.ndim
        shape[axis] = k
        logp = logp * as_target(w, x).reshape(shape)
    per = -(logp * q).sum(axis)
    if reduction == "mean":
        n = x.numel() // max(k, 1)
        return per.sum() / n if n else per.sum() * math.nan
    return per.sum() if reduction == "sum" else per


def binary_cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-(y log q + (1-y) log(1-q)), q the Bernoulli probability (each log clamped at -100, as
    torch); `weight` rescales each element. Prefer the _with_logits form for training."""
    reduction = reduction_of(size_average, reduce, reduction)
    y = as_target(target, input)
    if y.shape != input.shape:
        raise ValueError(
            f"Using a target size ({Size(y.shape)!r}) that is different to the input size "
            f"({Size(input.shape)!r}) is deprecated. Please ensure they have the same size."
        )
    q = input.numpy(force=True)
    if q.size and not (q.min() >= 0 and q.max() <= 1):  # nan fails both
        raise RuntimeError(
            "all elements of input should be between 0 and 1 (binary_cross_entropy takes "
            "probabilities; for logits use binary_cross_entropy_with_logits)"
        )
    loss = D.apply(BinaryCrossEntropy, input, y)
    if weight is not None:
        loss = loss * as_target(weight, input)
    return reduced(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """-log p(y | l) under Bernoulli(σ(l)) = softplus(l) - y l, from the logits in log space.

    pos_weight p scales the positive term: (1 - y) l + (1 + (p - 1) y) softplus(-l), the
    likelihood with each positive observation counted p times.
    """
    reduction = reduction_of(size_average, reduce, reduction)
    y = as_target(target, input)
    if y.shape != input.shape:
        raise ValueError(
            f"Target size ({Size(y.shape)!r}) must be the same as input size "
            f"({Size(input.shape)!r})"
        )
    if weight is None and pos_weight is None and reduction != "none":
        scale = fused_scale(input.numel(), reduction)  # one fused op, as Bernoulli(logits).nll(y)
        return D.apply(BernoulliLogProb, input, y, scale=scale)
    if pos_weight is None:
        loss = -D.apply(BernoulliLogProb, input, y)
    else:
        lw = (as_target(pos_weight, input) - 1.0) * y + 1.0
        loss = (1.0 - y) * input - lw * input.log_sigmoid()
    if weight is not None:
        loss = loss * as_target(weight, input)
    return reduced(loss, reduction)
