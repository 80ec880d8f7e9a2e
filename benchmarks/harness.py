"""What every trainer shares: the arrays workload.py wrote, the batch boundaries, the epoch clock.

A trainer is `(spec, data) -> (clock, test accuracy or None, facts)`: it builds its framework's
model from `load_weights`, runs `spec["warmup"]` untimed steps, resets the weights and the
optimizer, then times `spec["epochs"]` epochs, one `with clock:` each, in the order of
`data["perms"]`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

EVAL_ROWS = 1000  # test accuracy is computed in chunks, so evaluation adds little memory


class Clock:
    """`with clock:` records one epoch's wall time and this process's CPU time (all threads).

    With one thread, CPU time well below wall time means the process waited for a core: the
    machine was busy and that wall time is inflated.
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __enter__(self) -> None:
        self._t = (time.perf_counter(), time.process_time())

    def __exit__(self, *exc: object) -> None:
        self.wall.append(time.perf_counter() - self._t[0])
        self.cpu.append(time.process_time() - self._t[1])


# A training run: (spec, data) -> (epoch clock, test accuracy or None, facts to report)
Trainer = Callable[[dict[str, Any], dict[str, np.ndarray]], tuple[Clock, Any, dict]]


def load_data(folder: str) -> dict[str, np.ndarray]:
    """The arrays `workload.prepare_data` wrote: x/y train/test and perms (epochs, N)."""
    d = Path(folder)
    data = {k: np.load(d / f"{k}.npy") for k in ("x_train", "y_train", "x_test", "y_test")}
    data["perms"] = np.load(d / "perms.npy")
    return data


def load_weights(folder: str, model: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W, b), ...] per layer, W shaped (out, in) as in PyTorch, float32."""
    with np.load(Path(folder) / f"weights-{model}.npz") as z:
        n = len(z.files) // 2
        return [(z[f"W{i}"], z[f"b{i}"]) for i in range(n)]


def batch_starts(n: int, batch: int) -> range:
    """Batch i covers examples [start, start + batch) of the epoch's permutation (the last one
    may be short: nothing is dropped, as in every framework's default)."""
    return range(0, n, batch)
