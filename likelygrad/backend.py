"""The array module, default dtype and the global random generator.

Everything numeric in likelygrad goes through NumPy; this is the one file that decides which
array library and which floating dtype are used by default.
"""

from __future__ import annotations

import numpy as np

float32 = np.float32
float64 = np.float64

_default_dtype: np.dtype = np.dtype(np.float32)
# Made on first use: `numpy.random` (and the hashlib it pulls in) costs ~10 ms of import time.
_generator: np.random.Generator | None = None


def get_default_dtype() -> np.dtype:
    """The dtype given to Python numbers and lists (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype: type | np.dtype | str) -> None:
    """Set the dtype for Python numbers and lists: float32 or float64."""
    global _default_dtype
    d = np.dtype(dtype)
    if d not in (np.float32, np.float64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {d}")
    _default_dtype = d


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator used by initializers, dropout and shuffling; returns it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The global generator: seeded with 0 until `manual_seed` reseeds it."""
    global _generator
    if _generator is None:
        _generator = np.random.default_rng(0)
    return _generator
