"""How good is a fitted model? Accuracy, confusion, likelihood and calibration, in NumPy.

A classifier trained by maximum likelihood outputs probabilities, not just labels, so besides
accuracy we ask whether those probabilities can be trusted: among the predictions made with
confidence 0.8, are about 80% right? The expected calibration error (ECE) measures the gap.
Every function accepts NumPy arrays, lists or Tensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def _labels(y: Any, what: str) -> np.ndarray:
    """`y` as a 1-D int64 array of class labels (bools and integer-valued floats are accepted).

    Always int64, whatever the integer kind: uint8 labels (as IDX files hold them) would overflow
    in arithmetic such as confusion_matrix's i·k + j.
    """
    a = np.asarray(y)
    if a.ndim != 1:
        raise ValueError(f"{what} must be 1-D class labels, got shape {a.shape}")
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise ValueError(f"{what} must be integer class labels, got non-integer values")
    elif a.dtype.kind not in "biu":
        raise ValueError(f"{what} must be integer class labels, got dtype {a.dtype}")
    if a.dtype.kind == "u" and a.size and a.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{what}: class label {a.max()} is too large")
    a = a.astype(np.int64, copy=False)
    if a.size and a.min() < 0:
        raise ValueError(f"{what} must be non-negative class labels, got {a.min()}")
    return a


def _same_length(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{what}: {a.shape} and {b.shape} disagree on the number of examples")


def _probabilities(probs: Any) -> np.ndarray:
    """Class probabilities as (N, K); (N,) or (N, 1) is p(class 1) of a binary problem: [1-p, p]."""
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 1:
        p = np.stack([1 - p, p], axis=1)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(
            f"probs must be (N, num_classes) probabilities, or (N,) or (N, 1) for p(class 1) of "
            f"a binary problem; got shape {np.shape(probs)}"
        )
    if p.size and (not np.all(np.isfinite(p)) or p.min() < -1e-6 or p.max() > 1 + 1e-6):
        raise ValueError(
            f"probs must lie in [0, 1], got values in [{np.nanmin(p):.3g}, {np.nanmax(p):.3g}]: "
            "are these logits? Apply softmax (or sigmoid) first, e.g. logits.softmax(axis=-1)"
        )
    return p


def _predictions(probs_or_pred: Any) -> np.ndarray:
    """Predicted labels from labels (1-D ints), p(class 1) ((N,) or (N, 1)) or (N, K) scores."""
    a = np.asarray(probs_or_pred)
    if a.ndim == 2 and a.shape[1] == 1:  # one column, as a Bernoulli model outputs: p(class 1)
        a = a[:, 0]
        if a.dtype.kind == "f" and a.size and not (a.min() >= 0 and a.max() <= 1):
            raise ValueError(
                f"an (N, 1) array is read as p(class 1), but its values lie in [{a.min():.3g}, "
                f"{a.max():.3g}]: are these logits? Apply sigmoid first"
            )
    if a.ndim == 2:
        return a.argmax(axis=1)
    if a.ndim == 1 and a.dtype.kind == "f" and a.size and a.min() >= 0 and a.max() <= 1:
        return (a > 0.5).astype(np.int64)  # argmax of [1 - p, p]: ties go to class 0
    return _labels(a, "predictions")


def accuracy(probs_or_pred: Any, labels: Any) -> float:
    """Fraction of examples whose predicted class equals the label.

    Accepts predicted labels (N,), binary probabilities p(class 1) (N,) or (N, 1), or scores
    (N, K) with K ≥ 2, whose argmax is the prediction (probabilities, logits and
    log-probabilities all work).
    """
    y = _labels(labels, "labels")
    pred = _predictions(probs_or_pred)
    _same_length(pred, y, "accuracy")
    if y.size == 0:
        raise ValueError("accuracy: no examples (labels is empty)")
    return float(np.mean(pred == y))


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts C[i, j] of examples of true class i predicted as class j (rows true, as sklearn)."""
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    _same_length(t, p, "confusion_matrix")
    seen = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    k = seen if num_classes is None else int(num_classes)
    if k < seen:
        raise ValueError(f"confusion_matrix: label {seen - 1} is out of range for {k} classes")
    # Pair (i, j) as the single index i·k + j, so one bincount counts every cell.
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def mean_nll(log_probs: Any, labels: Any = None) -> float:
    """Mean negative log-likelihood per example, in nats: what maximum likelihood minimizes.

    `log_probs` is either log p(y_i | x_i) per example (N,), or log-probabilities of every class
    (N, K) together with `labels`, whose entries are picked out.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    if labels is not None:
        y = _labels(labels, "labels")
        if lp.ndim != 2:
            raise ValueError(f"mean_nll: with labels, log_probs must be (N, K), got {lp.shape}")
        _same_length(lp, y, "mean_nll")
        if y.size and y.max() >= lp.shape[1]:
            raise ValueError(f"mean_nll: label {y.max()} out of range for {lp.shape[1]} classes")
        lp = lp[np.arange(lp.shape[0]), y]
    elif lp.ndim != 1:
        raise ValueError(f"mean_nll: log_probs of shape {lp.shape} need labels to pick entries")
    if lp.size == 0:
        raise ValueError("mean_nll: no examples")
    return float(-lp.mean())


@dataclass(frozen=True)
class ReliabilityBins:
    """Per-bin statistics of confidence: equal-width bins (edges[b], edges[b+1]] on [0, 1].

    `confidence` and `accuracy` are NaN in empty bins (there is nothing to average).
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def ece(self) -> float:
        """Σ_b (n_b / N) |acc_b − conf_b|: the average gap, weighted by how many fall in b."""
        n = self.counts.sum()
        full = self.counts > 0
        gap = np.abs(self.accuracy[full] - self.confidence[full])
        return float((self.counts[full] / n * gap).sum()) if n else 0.0


def reliability_bins(probs: Any, labels: Any, n_bins: int = 15) -> ReliabilityBins:
    """Bin the predictions by confidence; count them, and average confidence and correctness.

    Confidence is the largest class probability and a prediction is correct when that class is
    the label. `probs` is (N, K), or (N,) or (N, 1) holding p(class 1) of a binary problem.
    """
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    p = _probabilities(probs)
    y = _labels(labels, "labels")
    _same_length(p, y, "reliability_bins")
    if y.size and y.max() >= p.shape[1]:
        raise ValueError(f"labels: class {y.max()} is out of range for {p.shape[1]} classes")
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    # Bin b holds edges[b] < conf <= edges[b+1] (Guo et al., 2017); conf = 0 joins bin 0.
    idx = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(idx, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(idx, weights=conf, minlength=n_bins) / counts
        acc = np.bincount(idx, weights=correct, minlength=n_bins) / counts
    return ReliabilityBins(edges, counts, mean_conf, acc)


def expected_calibration_error(probs: Any, labels: Any, n_bins: int = 15) -> float:
    """ECE = Σ_b (n_b / N) |accuracy_b − confidence_b| over equal-width confidence bins.

    0 means perfectly calibrated: in every bin the model is right as often as it claims.
    """
    return reliability_bins(probs, labels, n_bins).ece
