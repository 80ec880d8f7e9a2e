"""torch's `set_num_threads` / `get_num_threads` for the NumPy backend: the number of threads
the BLAS and OpenMP pools behind NumPy use, set through threadpoolctl where it is installed.
Without it the number is only recorded (NumPy offers no other way once its BLAS is loaded);
neither function fails for that."""

from __future__ import annotations

import os
from typing import Any

_requested: int | None = None
_limits: Any = None  # threadpoolctl's limiter, kept so the limit stays in force


def set_num_threads(num: int) -> None:
    """Use `num` threads for the math NumPy hands to its BLAS / OpenMP pools."""
    global _requested, _limits
    if isinstance(num, bool) or not isinstance(num, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _requested = num
    try:
        from threadpoolctl import threadpool_limits

        _limits = threadpool_limits(limits=num)
    except Exception:  # not installed, or a pool that cannot be limited: record only
        _limits = None


def get_num_threads() -> int:
    """The number of threads set, else the largest pool's (threadpoolctl), else the CPUs."""
    if _requested is not None:
        return _requested
    try:
        from threadpoolctl import threadpool_info

        pools = [p["num_threads"] for p in threadpool_info()]
        if pools:
            return max(pools)
    except Exception:
        pass
    return os.cpu_count() or 1
