"""Mini-batches (``DataLoader``) and feature preprocessing (``to_float``, ``preprocess``).

Batching never copies the whole data set: a shuffled epoch draws one permutation of the
indices and copies only each batch, into recycled buffers (`likelygrad/buffers.py`: a batch the
caller still holds is never overwritten); an unshuffled epoch yields views.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..buffers import BufferPool, take_rows

Batch = tuple[np.ndarray, np.ndarray]


class DataLoader:
    """Iterate ``(x_batch, y_batch)`` over examples ``x[i], y[i]``, like PyTorch's DataLoader.

    The order of epoch ``e`` depends only on ``(seed, e)``: it is drawn from
    ``np.random.default_rng([seed, e])``. Each ``for`` loop over the loader runs the current
    epoch and advances the counter, so epochs differ; ``set_epoch(k)`` (or
    ``load_state_dict``) makes a resumed run see exactly the batches an uninterrupted one
    would, and ``batches(epoch, start)`` resumes in the middle of an epoch. ``seed=None``
    draws a seed once, from the OS. ``len(loader)`` is the number of batches per epoch; with
    ``drop_last`` a final batch smaller than ``batch_size`` is skipped.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int = 128,
        shuffle: bool = True,
        seed: int | None = 0,
        drop_last: bool = False,
    ):
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(
                f"DataLoader: x and y need a leading example axis, got {tuple(x.shape)} and "
                f"{tuple(y.shape)}"
            )
        if len(x) != len(y):
            raise ValueError(
                f"DataLoader: x has {len(x)} examples but y has {len(y)}; they must match"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(f"DataLoader: batch_size must be an int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
        self.x, self.y = x, y
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = operator.index(seed)
        if self.seed < 0:
            raise ValueError(f"DataLoader: seed must be a non-negative int or None, got {seed}")
        self.drop_last = drop_last
        self.epoch = 0
        self._buffers = (BufferPool(), BufferPool())  # for x's batches and y's

    def __len__(self) -> int:
        n, b = len(self.x), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``for`` loop run epoch ``epoch`` (counting from 0)."""
        if epoch < 0:
            raise ValueError(f"DataLoader.set_epoch: epoch must be >= 0, got {epoch}")
        self.epoch = int(epoch)

    def order(self, epoch: int) -> np.ndarray:
        """The example indices in the order epoch ``epoch`` visits them."""
        if not self.shuffle:
            return np.arange(len(self.x))
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.x))

    def batches(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        """Epoch ``epoch``'s batches from batch number ``start`` on; ignores the epoch counter."""
        b = self.batch_size
        if not self.shuffle:  # slices are views: no copy at all
            for i in range(start, len(self)):
                yield self.x[i * b : (i + 1) * b], self.y[i * b : (i + 1) * b]
            return
        perm = self.order(epoch)
        xs, ys = self._buffers
        for i in range(start, len(self)):
            idx = perm[i * b : (i + 1) * b]
            yield take_rows(self.x, idx, xs), take_rows(self.y, idx, ys)

    def __iter__(self) -> Iterator[Batch]:
        epoch, self.epoch = self.epoch, self.epoch + 1
        return self.batches(epoch)

    def state_dict(self) -> dict[str, int]:
        """``{"seed", "epoch"}``: with the data, all that decides the batches to come."""
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()``; the next ``for`` loop continues where that one would."""
        self.seed = operator.index(state["seed"])
        self.set_epoch(state["epoch"])

    def __repr__(self) -> str:
        return (
            f"DataLoader({len(self.x)} examples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last}, "
            f"epoch={self.epoch})"
        )


def to_float(images: np.ndarray, flatten: bool = True) -> np.ndarray:
    """uint8 pixels 0..255 to a new float32 array in [0, 1], flattened to ``(N, H*W)``.

    Floating-point input is taken as already scaled and only copied to float32.
    """
    a = np.asarray(images)
    if a.dtype == np.uint8:
        out = np.divide(a, np.float32(255), dtype=np.float32)  # exact at 0 and 255
    elif a.dtype.kind == "f":
        out = a.astype(np.float32)  # a copy, so callers may modify it in place
    else:
        raise TypeError(
            f"to_float: expected uint8 pixels (0..255) or floats, got {a.dtype}; "
            "rescale to uint8 first, e.g. (x * 255 / x.max()).round().astype(np.uint8)"
        )
    if flatten:
        if a.ndim < 1:
            raise ValueError(
                f"to_float: expected a batch of images (N, ...), got shape {tuple(a.shape)}"
            )
        out = out.reshape(len(out), -1)
    return out


def _fit_stats(x: np.ndarray, per_feature: bool, rows: int = 8192) -> dict[str, np.ndarray]:
    """Mean and standard deviation, accumulated in float64 over chunks of rows (two passes)."""
    axis = 0 if per_feature else None
    n = x.shape[0] if per_feature else x.size
    if n == 0:
        raise ValueError("standardize: cannot compute statistics of an empty array")
    mean = x.sum(axis=axis, dtype=np.float64) / n
    sq = sum(
        np.square(x[i : i + rows] - mean).sum(axis=axis)  # float64: mean is float64
        for i in range(0, len(x), rows)
    )
    std = np.sqrt(sq / n)
    # A feature that never varies in training (MNIST's border pixels) is only centred.
    std = np.where(std < 1e-8, 1.0, std)
    return {"mean": np.asarray(mean, np.float32), "std": np.asarray(std, np.float32)}


def _apply_stats(x: np.ndarray, stats: dict[str, np.ndarray]) -> np.ndarray:
    mean, std = np.asarray(stats["mean"]), np.asarray(stats["std"])
    if mean.shape not in ((), x.shape[1:]) or std.shape != mean.shape:
        raise ValueError(
            f"preprocess: stats of shape mean {mean.shape}, std {std.shape} do not fit "
            f"features of shape {x.shape[1:]}; compute them on data of the same kind"
        )
    x -= mean
    x /= std
    return x


def preprocess(
    images: np.ndarray,
    mode: str = "unit",
    stats: dict[str, np.ndarray] | None = None,
    per_feature: bool = False,
) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
    """Turn images into float32 features ``(N, H*W)``; return ``(x, stats)``.

    ``mode="unit"`` scales pixels to [0, 1] (``stats`` is None). ``mode="standardize"`` then
    subtracts the mean and divides by the standard deviation: computed from ``images`` when
    ``stats`` is None (pass the training set) and returned as ``{"mean", "std"}`` float32
    arrays, to be passed back for the test set so both use the training statistics. By default
    one global mean and std (MNIST: about 0.1307 and 0.3081); ``per_feature=True`` uses one per
    pixel, and a pixel constant in training is only centred.
    """
    if mode not in ("unit", "standardize"):
        raise ValueError(f"preprocess: mode must be 'unit' or 'standardize', got {mode!r}")
    x = to_float(images)
    if mode == "unit":
        if stats is not None:
            raise ValueError("preprocess: stats only apply to mode='standardize'")
        return x, None
    if stats is None:
        stats = _fit_stats(x, per_feature)
    return _apply_stats(x, stats), stats


def standardize(
    x_train: np.ndarray, x_test: np.ndarray, per_feature: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Standardize both sets with statistics of ``x_train`` only (see ``preprocess``)."""
    train, stats = preprocess(x_train, "standardize", per_feature=per_feature)
    test, _ = preprocess(x_test, "standardize", stats=stats)
    return train, test
