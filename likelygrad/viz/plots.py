"""Figures for a trained classifier: learning curves, confusion, weights, conv filters,
calibration, mistakes.

matplotlib is imported inside each function, so `import likelygrad` never needs it. Figures are
built as `matplotlib.figure.Figure` objects and saved through the Agg renderer, without pyplot:
no global backend is switched (a notebook's or a GUI user's choice stays as it was), no figure
is registered with pyplot (nothing to close, nothing leaks), and no window ever opens.
Every function writes its file atomically and returns its path.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..metrics import _labels, _probabilities, confusion_matrix, reliability_bins
from ._io import atomic_write

_DPI = 120
_STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_INSTALL = (
    "likelygrad's plots need matplotlib: pip install 'likelygrad[plot]' (or pip install matplotlib)"
)


def _mpl() -> Any:
    """The matplotlib module, or an ImportError that says what to install."""
    try:
        mpl = importlib.import_module("matplotlib")
        importlib.import_module("matplotlib.figure")
        importlib.import_module("matplotlib.ticker")
    except ImportError as e:
        raise ImportError(_INSTALL) from e
    return mpl


def _figure(mpl: Any, width: float, height: float) -> Any:
    """A Figure not registered with pyplot (the garbage collector frees it, no close needed)."""
    return mpl.figure.Figure(figsize=(width, height), dpi=_DPI, layout="constrained")


def _save(fig: Any, path: str | os.PathLike) -> Path:
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in fig.canvas.get_supported_filetypes():
        raise ValueError(f"cannot save a figure as {path.name!r}: use a suffix like .png or .svg")
    return atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=_DPI))


def plot_history(history: Sequence[Mapping[str, Any]], path: str | os.PathLike) -> Path:
    """Learning curves, one dict per epoch: mean NLL (nats), accuracy and, if given, val ECE."""
    rows = list(history)
    if not rows or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError("plot_history: history must be a non-empty list of per-epoch dicts")
    epochs = [r.get("epoch", i + 1) for i, r in enumerate(rows)]

    def series(key: str) -> np.ndarray:
        return np.array([np.nan if r.get(key) is None else float(r[key]) for r in rows])

    panels = [
        ("mean NLL per example (nats)", "negative log-likelihood (what MLE minimizes)", "nll"),
        ("accuracy", "accuracy", "acc"),
        ("expected calibration error", "calibration (lower is better)", "ece"),
    ]
    panels = [p for p in panels if any(f"{s}_{p[2]}" in r for r in rows for s in ("train", "val"))]
    if not panels:
        raise ValueError(
            "plot_history: no curves to draw; each dict needs some of train_nll, val_nll, "
            f"train_acc, val_acc, val_ece (got keys {sorted(set().union(*rows))})"
        )
    mpl = _mpl()
    with mpl.rc_context(_STYLE):
        fig = _figure(mpl, 5.0 * len(panels), 4.0)
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, (ylabel, title, metric) in zip(axes, panels):
            for split, style, name, color in (
                ("train", "o-", "train", "C0"),
                ("val", "s--", "validation", "C1"),  # the same colour on every panel
            ):
                y = series(f"{split}_{metric}")
                if np.isfinite(y).any():
                    ax.plot(epochs, y, style, label=name, color=color, markersize=5)
            if metric == "acc":
                ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
            ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
            if max(epochs) == min(epochs):  # one epoch: widen the axis so ticks are integers
                ax.set_xlim(min(epochs) - 1, max(epochs) + 1)
            ax.set(xlabel="epoch", ylabel=ylabel, title=title)
            ax.grid(alpha=0.3)
            ax.legend()
        return _save(fig, path)


def plot_confusion(
    y_true: Any, y_pred: Any, path: str | os.PathLike, class_names: Sequence[str] | None = None
) -> Path:
    """Confusion matrix: counts written in the cells, colours normalized per true class (row)."""
    k = None if class_names is None else len(class_names)
    cm = confusion_matrix(y_true, y_pred, k)
    k = cm.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    # Row-normalized: cell (i, j) is the fraction of class-i examples predicted as j, so a rare
    # class's mistakes are as visible as a common one's.
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0)
    mpl = _mpl()
    side = min(max(4.5, 0.55 * k + 2.0), 16.0)
    with mpl.rc_context(_STYLE):
        fig = _figure(mpl, side + 1.2, side)
        ax = fig.subplots()
        im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
        fontsize = 10 if k <= 12 else max(5, 120 // k)
        for i, j in np.ndindex(k, k):
            if cm[i, j]:
                color = "white" if frac[i, j] > 0.5 else "black"
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", color=color,
                        fontsize=fontsize)  # fmt: skip
        ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0)
        ax.set_yticks(range(k), names)
        ax.set(xlabel="predicted", ylabel="true")
        ax.spines[:].set_visible(False)
        acc = np.trace(cm) / max(cm.sum(), 1)
        ax.set_title(f"confusion matrix: {cm.sum()} examples, accuracy {acc:.1%}")
        fig.colorbar(im, ax=ax, shrink=0.8, label="fraction of the true class")
        return _save(fig, path)


def plot_weights(
    weights: Any,
    path: str | os.PathLike,
    image_shape: tuple[int, int] = (28, 28),
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Path:
    """Each class's weight vector (a row of a (classes, features) Linear weight) as an image.

    Red pixels are evidence for the class (a positive weight raises its logit), blue against.
    A single row (a Bernoulli model: the logit of the positive class against the rest) is one
    larger panel; name it with `class_names=[positive class]` and say so in `title`.
    """
    w = np.asarray(weights, dtype=np.float64)
    f = math.prod(image_shape)
    if w.ndim != 2 or w.shape[1] != f:
        hint = f"; it looks transposed: pass weights.T, shape {w.shape[::-1]}"
        raise ValueError(
            f"plot_weights: weights must be (num_classes, {f}) like a Linear weight, for images "
            f"of shape {tuple(image_shape)}; got {tuple(w.shape)}"
            + (hint if w.ndim == 2 and w.shape[0] == f else "")
        )
    k = w.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    if len(names) != k:
        raise ValueError(f"plot_weights: {len(names)} class names for {k} weight rows")
    if title is None:
        title = "weights per class" if k > 1 else f"weights of the logit of {names[0]}"
    cols = min(k, 5)
    nrows = math.ceil(k / cols)
    panel = 2.0 if k > 1 else 3.2
    lim = float(np.abs(w).max()) or 1.0  # symmetric around 0 so white means "no evidence"
    mpl = _mpl()
    with mpl.rc_context(_STYLE):
        # wide and tall enough for the titles and the colour bar's label, however few panels
        fig = _figure(mpl, max(panel * cols + 1.4, 5.0), max((panel + 0.2) * nrows + 1.0, 3.4))
        axes = fig.subplots(nrows, cols, squeeze=False).ravel()
        for ax, row, name in zip(axes, w, names):
            im = ax.imshow(row.reshape(image_shape), cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(name)
        for ax in axes:
            ax.set_axis_off()
        fig.colorbar(im, ax=list(axes), shrink=0.8, label="weight")
        fig.suptitle(f"{title}\nred: evidence for, blue: against", fontsize=12)
        return _save(fig, path)


def plot_filters(weights: Any, path: str | os.PathLike, title: str = "first-layer filters") -> Path:
    """A convolution's filters (out_channels, in_channels, kH, kW) as a grid of small images.

    One input channel: red weights respond to bright pixels, blue to dark ones, on one symmetric
    scale for all filters (a faint filter is a weak detector). Three channels are drawn as
    colours; more are summed over the input channels.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: weights must be (out, in, kH, kW), got {tuple(w.shape)}")
    rgb = w.shape[1] == 3
    if rgb:  # each filter scaled to [0, 1] on its own: only its pattern of colours shows
        w = w.transpose(0, 2, 3, 1)
        lo, hi = w.min(axis=(1, 2, 3), keepdims=True), w.max(axis=(1, 2, 3), keepdims=True)
        w = (w - lo) / np.where(hi > lo, hi - lo, 1)
    else:
        w = w.sum(axis=1)
    k = w.shape[0]
    cols = min(k, 8)
    rows = math.ceil(k / cols)
    lim = float(np.abs(w).max()) or 1.0
    mpl = _mpl()
    with mpl.rc_context(_STYLE):
        fig = _figure(mpl, max(1.1 * cols + 1.2, 4.0), 1.1 * rows + 1.0)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax in axes:
            ax.set_axis_off()
        for i, (ax, f) in enumerate(zip(axes, w)):
            im = ax.imshow(f, cmap=None if rgb else "RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(str(i), fontsize=9)
        if not rgb:
            fig.colorbar(im, ax=list(axes), shrink=0.8, label="weight")
        size = "×".join(map(str, np.shape(weights)[2:]))
        note = "" if rgb else "\nred: weight on bright pixels, blue: on dark ones"
        fig.suptitle(f"{title}: {k} filters of {size}{note}", fontsize=12)
        return _save(fig, path)


def plot_reliability(probs: Any, labels: Any, path: str | os.PathLike, n_bins: int = 15) -> Path:
    """Reliability diagram: accuracy per confidence bin against the diagonal, ECE in the title."""
    bins = reliability_bins(probs, labels, n_bins)
    full = bins.counts > 0
    centers = (bins.edges[:-1] + bins.edges[1:]) / 2
    width = 1.0 / n_bins
    n = int(bins.counts.sum())
    mpl = _mpl()
    with mpl.rc_context(_STYLE):
        fig = _figure(mpl, 5.5, 6.0)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
        top.bar(centers[full], bins.accuracy[full], width=width, color="C0", edgecolor="black",
                label="accuracy in bin")  # fmt: skip
        # The gap between the bar and the bin's mean confidence is what ECE averages.
        gap = bins.confidence[full] - bins.accuracy[full]
        top.bar(centers[full], gap, bottom=bins.accuracy[full], width=width, fill=False,
                hatch="///", edgecolor="C3", label="gap to mean confidence")  # fmt: skip
        top.plot([0, 1], [0, 1], "k--", label="perfect calibration")
        top.set(xlim=(0, 1), ylim=(0, 1), ylabel="accuracy")
        top.set_title(f"reliability diagram: ECE = {bins.ece:.3f}\n({n} examples, {n_bins} bins)")
        top.legend(loc="upper left")
        top.grid(alpha=0.3)
        bottom.bar(centers, bins.counts, width=width, color="0.6", edgecolor="black")
        conf = np.nansum(bins.confidence * bins.counts) / max(n, 1)
        acc = np.nansum(bins.accuracy * bins.counts) / max(n, 1)
        bottom.axvline(conf, color="C3", ls="--", label=f"mean confidence {conf:.3f}")
        bottom.axvline(acc, color="C0", ls="-", label=f"accuracy {acc:.3f}")
        bottom.set(xlabel="confidence (largest predicted probability)", ylabel="count")
        bottom.legend(loc="upper left", fontsize=9, framealpha=0.9)
        return _save(fig, path)


def _as_images(images: Any, n: int) -> np.ndarray:
    """Images as (N, H, W) or (N, H, W, 3|4); flat square images (N, H·W) are reshaped."""
    x = np.asarray(images)
    if x.ndim == 4 and x.shape[1] == 1:  # channels-first, one channel
        x = x[:, 0]
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise ValueError(
                f"plot_misclassified: flat images of {x.shape[1]} pixels are not square; "
                "pass them shaped (N, H, W)"
            )
        x = x.reshape(-1, side, side)
    if x.ndim not in (3, 4) or x.shape[0] != n:
        raise ValueError(f"plot_misclassified: images {np.shape(images)} do not fit {n} labels")
    return x


def plot_misclassified(
    images: Any,
    y_true: Any,
    y_pred: Any,
    probs: Any,
    path: str | os.PathLike,
    n: int = 36,
    class_names: Sequence[str] | None = None,
) -> Path:
    """The `n` most confident mistakes in a grid, each titled "true → predicted (p)"."""
    if n < 1:
        raise ValueError(f"plot_misclassified: n must be at least 1, got {n}")
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(
            f"plot_misclassified: y_true {tuple(t.shape)} and y_pred {tuple(p.shape)} differ"
        )
    prob = _probabilities(probs)
    x = _as_images(images, t.shape[0])
    if prob.shape[0] != t.shape[0] or (p.size and p.max() >= prob.shape[1]):
        raise ValueError(
            f"plot_misclassified: probs {tuple(prob.shape)} do not fit {t.shape[0]} labels"
        )

    def name(c: int) -> str:
        return str(class_names[c]) if class_names is not None else str(c)

    wrong = np.flatnonzero(t != p)
    p_wrong = prob[wrong, p[wrong]]  # the probability the model gave its wrong answer
    order = wrong[np.argsort(-p_wrong, kind="stable")][:n]
    mpl = _mpl()
    with mpl.rc_context(_STYLE):
        if order.size == 0:
            fig = _figure(mpl, 5.0, 1.5)
            fig.text(0.5, 0.5, f"no misclassified examples: all {t.size} are correct",
                     ha="center", va="center", fontsize=12)  # fmt: skip
            return _save(fig, path)
        cols = math.ceil(math.sqrt(order.size))
        rows = math.ceil(order.size / cols)
        # Two-line titles, "true" over "→ predicted (p)", in cells wide enough for the longest
        # (about 0.075 inch per character at 9 points), so long class names never collide.
        titles = [f"{name(t[i])}\n→ {name(p[i])} ({prob[i, p[i]]:.2f})" for i in order]
        longest = max(len(line) for title in titles for line in title.split("\n"))
        cell = max(1.5, 0.075 * longest + 0.2)
        fig = _figure(mpl, max(cell * cols + 0.4, 5.5), 1.85 * rows + 0.9)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax in axes:
            ax.set_axis_off()
        for ax, i, title in zip(axes, order, titles):
            ax.imshow(x[i], cmap="gray_r" if x.ndim == 3 else None)
            ax.set_title(title, fontsize=9)
        fig.suptitle(
            f"most confident mistakes: {order.size} of {wrong.size} (out of {t.size})\n"
            "each titled true → predicted (probability)"
        )
        return _save(fig, path)
