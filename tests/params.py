"""Parameters for optimizer tests: NumPy arrays wrapped as likelygrad Parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

import likelygrad as lg


def P(data: Any) -> lg.nn.Parameter:  # noqa: N802 (reads like the class it stands for)
    """A Parameter sharing memory with the NumPy array `data` (its `.array` is `data`)."""
    return lg.nn.Parameter(lg.from_numpy(np.asarray(data)))


def set_grad(p: lg.nn.Parameter, g: Any) -> None:
    """p.grad = g, given as a NumPy array or number."""
    p.grad = lg.tensor(np.asarray(g, dtype=p.dtype).reshape(p.shape))
