"""A small, learnable MNIST look-alike written as real IDX files, for tests that need a dataset.

Class k is a bright 7×7 square at one of ten positions on a 28×28 canvas, plus pixel noise:
separable by logistic regression, yet not trivially (the noise and jitter overlap the squares).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from likelygrad.data import write_idx

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")  # fmt: skip


def digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = rng.integers(0, 90, (n, 28, 28)).astype(np.float64)
    for i, k in enumerate(y):
        r = 3 + 7 * (k // 5) * 2 + rng.integers(-2, 3)
        c = 2 + 5 * (k % 5) + rng.integers(-1, 2)
        x[i, r : r + 7, c : c + 7] += 150
    return np.clip(x, 0, 255).astype(np.uint8), y.astype(np.uint8)


def write_mnist(folder: Path, n_train: int = 600, n_test: int = 200) -> Path:
    """Four IDX files in `folder` (created), named as MNIST's; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    xtr, ytr = digits(n_train, 1)
    xte, yte = digits(n_test, 2)
    for name, a in zip(FILES, (xtr, ytr, xte, yte)):
        write_idx(folder / name, a)
    return folder
