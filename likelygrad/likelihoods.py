"""Likelihoods: the probability a model assigns to the data, the object deep learning maximizes.

A network maps x to the parameters of a distribution over y (logits for Bernoulli and
Categorical, a mean and a scale for Gaussian). Training by maximum likelihood maximizes
Σ_i log p(y_i | x_i; θ): IID examples multiply, so their logs add. Every log-probability here is
computed from logits in log space, so values and gradients stay finite at logits of ±1000:
    Bernoulli:   log p(y) = y log σ(l) + (1 - y) log(1 - σ(l)) = y l - softplus(l)
    Categorical: log p(y) = l_y - logsumexp(l)
    Gaussian:    log p(y) = -(y - μ)² / 2σ² - log σ - ½ log 2π

Weight decay fits here too: a Gaussian prior θ ~ N(0, 1/λ) adds log p(θ) = -λ/2 ‖θ‖² + const to
the log-likelihood, so maximizing likelihood + prior (MAP estimation) is maximum likelihood with
an L2 penalty — the `weight_decay` of the optimizers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import dispatch as D
from .backend import NUMPY, backend_of
from .creation import as_tensor
from .dtypes import get_default_dtype
from .random import default_generator
from .softmax_ops import BernoulliLogProb, CategoricalLogProb
from .tensor import Tensor

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _param(x: Any, name: str, cls: str) -> Tensor:
    if x is None:
        raise TypeError(f"{cls}: {name}= is required")
    t = as_tensor(x)
    if t.dtype.kind != "f":
        t = t.to(get_default_dtype())
    return t


def _target(y: Any, like: Tensor) -> Tensor:
    """Targets as a tensor of the parameters' float dtype (float64 data never upcasts a float32
    model); a tensor is taken as it is."""
    if isinstance(y, Tensor):
        y = y if y.device == like.device else y.to(like.device)
        return y if y.dtype == like.dtype or y.dtype.kind != "f" else y.to(like.dtype)
    return D.const(like, np.asarray(y), like.dtype)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return default_generator() if seed is None else np.random.default_rng(seed)


def _sample_shape(n: int | None, shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if n is None else (n, *shape)


def reduce_nll(log_prob: Tensor, reduction: str) -> Tensor:
    """-mean, -sum or - (reduction 'mean', 'sum', 'none') of per-example log-probabilities."""
    if reduction == "mean":
        return -log_prob.mean()
    if reduction == "sum":
        return -log_prob.sum()
    if reduction == "none":
        return -log_prob
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def integer_labels(labels: np.ndarray, op: str) -> np.ndarray:
    """Class labels as intp; ValueError naming the first non-integral value (2.5) or dtype."""
    if labels.dtype.kind == "f":
        frac = labels != np.round(labels)
        if frac.any():
            raise ValueError(f"{op}: labels must be integers, got {labels[frac].flat[0].item()!r}")
    elif labels.dtype.kind not in "iub":
        raise ValueError(f"{op}: labels must be integers, got {labels.dtype}")
    return labels.astype(np.intp, copy=False)


def class_labels(y: Any, logits_shape: tuple[int, ...], op: str) -> np.ndarray:
    """`y` as integer class indices for logits of `logits_shape` (classes on the last axis):
    one label per row, integral, in [0, K); ValueError naming the offending value otherwise."""
    labels = y.numpy(force=True) if isinstance(y, Tensor) else np.asarray(y)
    logits_shape = tuple(logits_shape)  # a Size prints as lg.Size([...]): messages use tuples
    batch, k = logits_shape[:-1], logits_shape[-1]
    if labels.shape != batch:
        raise ValueError(
            f"{op}: logits {logits_shape} need labels of shape {batch} "
            f"(one class index per row), got {tuple(labels.shape)}"
        )
    given, labels = labels, integer_labels(labels, op)
    # one pass checks both ends: read as unsigned, a negative label is larger than any K
    if labels.size and np.maximum.reduce(labels.view(np.uintp), axis=None) >= k:
        bad = given[(labels < 0) | (labels >= k)].flat[0]
        bad = int(bad) if given.dtype.kind == "b" else bad
        raise ValueError(f"{op}: label {bad} is outside [0, {k}) for logits with {k} classes")
    return labels


class Distribution:
    """Base class: `log_prob(y)` per example, `nll(y)` its negated mean, and friends."""

    def log_prob(self, y: Any) -> Tensor:
        raise NotImplementedError

    @property
    def probs(self) -> Tensor:
        """Class probabilities (for discrete distributions)."""
        raise NotImplementedError(f"{type(self).__name__} has no class probabilities")

    def mode(self) -> Tensor:
        """The most likely value."""
        raise NotImplementedError

    def nll(self, y: Any, reduction: str = "mean") -> Tensor:
        """Negative log-likelihood in nats: -mean (or -sum, or per example) of `log_prob(y)`."""
        return reduce_nll(self.log_prob(y), reduction)


class Bernoulli(Distribution):
    """A coin per element with P(y = 1) = σ(logits): one logistic-regression unit's output."""

    def __init__(self, logits: Any) -> None:
        self.logits = _param(logits, "logits", "Bernoulli")

    @property
    def probs(self) -> Tensor:
        """σ(logits) = P(y = 1)."""
        return self.logits.sigmoid()

    mean = probs

    def log_prob(self, y: Any) -> Tensor:
        """y l - softplus(l) for targets y in [0, 1] (soft targets allowed), per element."""
        return self._log_prob(y, None)

    def nll(self, y: Any, reduction: str = "mean") -> Tensor:
        """-mean (or -sum) log p(y), fused into one op; reduction='none' gives -log_prob(y)."""
        if reduction not in ("mean", "sum"):
            return super().nll(y, reduction)
        n = self.logits.numel()  # the mean over no examples is nan, as in torch
        return self._log_prob(y, (-1.0 / n if n else math.nan) if reduction == "mean" else -1.0)

    def _log_prob(self, y: Any, scale: float | None) -> Tensor:
        y = _target(y, self.logits)
        if y.shape != self.logits.shape:
            raise ValueError(
                f"Bernoulli.log_prob: logits {tuple(self.logits.shape)} and targets "
                f"{tuple(y.shape)} differ in "
                "shape; give one target per logit (e.g. logits.reshape(-1) for an (N, 1) output)"
            )
        v = y.array if type(y.array) is np.ndarray else y.numpy(force=True)
        if v.size and not (v.min() >= 0 and v.max() <= 1):  # NaN fails both comparisons
            bad = ~((v >= 0) & (v <= 1))
            raise ValueError(
                f"Bernoulli.log_prob: targets must lie in [0, 1]; got {v[bad].flat[0].item()!r} "
                f"at index {tuple(int(i) for i in np.argwhere(bad)[0])}"
            )
        if y.dtype != self.logits.dtype:  # a bool or integer target tensor
            y = y.to(self.logits.dtype)
        return D.apply(BernoulliLogProb, self.logits, y, scale=scale)

    def mode(self) -> Tensor:
        """The more likely outcome, 1 where logits > 0."""
        return (self.logits > 0).to(self.logits.dtype)

    def sample(self, n: int | None = None, seed: Any = None) -> Tensor:
        """Draws of shape (n, *logits.shape) (or logits.shape when n is None)."""
        p = self.probs.numpy(force=True)
        u = _rng(seed).random(_sample_shape(n, p.shape))
        return D.const(self.logits, (u < p).astype(p.dtype))

    def entropy(self) -> Tensor:
        """H = -p log p - (1-p) log(1-p) = softplus(l) - l σ(l), per element."""
        return self.logits.softplus() - self.logits * self.logits.sigmoid()


class Categorical(Distribution):
    """One of K classes with P(y = k) = softmax(logits)_k; classes on the last axis."""

    def __init__(self, logits: Any) -> None:
        self.logits = _param(logits, "logits", "Categorical")
        if self.logits.ndim == 0:
            raise ValueError("Categorical: logits need a class axis (the last one), got a scalar")

    @property
    def num_classes(self) -> int:
        return self.logits.shape[-1]

    @property
    def probs(self) -> Tensor:
        """softmax(logits) over the last axis."""
        return self.logits.softmax(dim=-1)

    def log_prob(self, y: Any) -> Tensor:
        """logits[y] - logsumexp(logits), per example; y holds integer labels in [0, K)."""
        return self._log_prob(y, None)

    def nll(self, y: Any, reduction: str = "mean") -> Tensor:
        """-mean (or -sum) log p(y), fused into one op; reduction='none' gives -log_prob(y)."""
        if reduction not in ("mean", "sum"):
            return super().nll(y, reduction)
        n = self.logits.numel() // max(self.num_classes, 1)  # no examples: nan, as in torch
        return self._log_prob(y, (-1.0 / n if n else math.nan) if reduction == "mean" else -1.0)

    def _log_prob(self, y: Any, scale: float | None) -> Tensor:
        labels = class_labels(y, self.logits.shape, "Categorical.log_prob")
        xp = backend_of(self.logits.array)
        if xp is not NUMPY:
            labels = xp.asarray(labels, device=self.logits.device)
        return D.apply(CategoricalLogProb, self.logits, labels=labels, scale=scale)

    def mode(self) -> Tensor:
        """The most likely class (argmax of the logits)."""
        return self.logits.argmax(dim=-1)

    def sample(self, n: int | None = None, seed: Any = None) -> Tensor:
        """Class indices of shape (n, *batch): inverse-CDF sampling per row."""
        cdf = np.cumsum(self.probs.numpy(force=True), axis=-1)
        u = _rng(seed).random(_sample_shape(n, cdf.shape[:-1]))
        picked = np.minimum((u[..., None] > cdf).sum(-1), self.num_classes - 1)
        return D.const(self.logits, picked.astype(np.int64))

    def entropy(self) -> Tensor:
        """H = -Σ_k p_k log p_k, from log_softmax so p = 0 contributes 0."""
        logp = self.logits.log_softmax(dim=-1)
        return -(logp.exp() * logp).sum(dim=-1)


class Gaussian(Distribution):
    """y ~ N(mean, std²); give `std` or `log_std` (an unconstrained scale for networks)."""

    def __init__(self, mean: Any, std: Any = None, log_std: Any = None) -> None:
        self.loc = _param(mean, "mean", "Gaussian")
        if (std is None) == (log_std is None):
            raise TypeError("Gaussian: give exactly one of std= or log_std=")
        if std is not None:
            self.std = _param(std, "std", "Gaussian")
            sd = self.std.numpy(force=True)
            if sd.size and not (sd > 0).all():  # nan fails too
                bad = sd[~(sd > 0)].flat[0]
                raise ValueError(f"Gaussian: std must be positive (and not nan), got {bad}")
            self.log_std = self.std.log()
        else:
            self.log_std = _param(log_std, "log_std", "Gaussian")
            self.std = self.log_std.exp()

    @property
    def mean(self) -> Tensor:
        return self.loc

    def log_prob(self, y: Any) -> Tensor:
        """-(y - μ)²/(2σ²) - log σ - ½ log 2π, per element."""
        y = _target(y, self.loc)
        try:
            np.broadcast_shapes(y.shape, self.loc.shape, self.std.shape)
        except ValueError:
            raise ValueError(
                f"Gaussian.log_prob: targets {tuple(y.shape)} do not match mean "
                f"{tuple(self.loc.shape)} and std {tuple(self.std.shape)}"
            ) from None
        z = (y - self.loc) / self.std
        return -0.5 * z * z - self.log_std - _HALF_LOG_2PI

    def mode(self) -> Tensor:
        return self.loc.detach()

    def sample(self, n: int | None = None, seed: Any = None) -> Tensor:
        """μ + σ ε with ε ~ N(0, 1), shape (n, *broadcast shape)."""
        mu, sd = np.broadcast_arrays(self.loc.numpy(force=True), self.std.numpy(force=True))
        eps = _rng(seed).standard_normal(_sample_shape(n, mu.shape))
        return D.const(self.loc, (mu + sd * eps).astype(mu.dtype))

    def entropy(self) -> Tensor:
        """½ log(2πe σ²) = ½ + ½ log 2π + log σ."""
        return self.log_std + (0.5 + _HALF_LOG_2PI)


Normal = Gaussian
