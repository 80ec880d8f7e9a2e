"""Grad mode (no_grad and friends, per thread) and anomaly detection (process-wide)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import traceback

    from .node import Node


class _GradMode(threading.local):
    enabled = True  # per thread, as in PyTorch: a no_grad block in one thread leaves others


class _Anomaly:
    enabled = False  # process-wide, as torch.autograd.set_detect_anomaly
    check_nan = True  # with enabled: raise at nan/inf (False: only record creation stacks)


_MODE = _GradMode()
_ANOMALY = _Anomaly()


# ---- grad mode ----------------------------------------------------------------------------------


class no_grad:  # noqa: N801 (PyTorch's name)
    """Context manager (and decorator) inside which no graph is recorded (in this thread)."""

    _value = False

    def __enter__(self) -> None:
        self._prev = _MODE.enabled
        _MODE.enabled = self._value

    def __exit__(self, *exc: object) -> None:
        _MODE.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        value = self._value

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(value):
                return fn(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper


class enable_grad(no_grad):  # noqa: N801
    """Context manager that turns recording back on inside a `no_grad` block."""

    _value = True


class set_grad_enabled(no_grad):  # noqa: N801
    """Turn recording on or off: as a function call, or as a context manager for a block."""

    def __init__(self, mode: bool) -> None:
        self._prev = _MODE.enabled
        self._value = bool(mode)
        _MODE.enabled = self._value  # effective at once, as torch.set_grad_enabled(False)

    def __enter__(self) -> None:
        _MODE.enabled = self._value

    def __exit__(self, *exc: object) -> None:
        _MODE.enabled = self._prev


class inference_mode(no_grad):  # noqa: N801
    """`no_grad` under PyTorch's faster-inference name (mode=False records as usual)."""

    def __init__(self, mode: bool = True) -> None:
        self._value = not mode


def is_grad_enabled() -> bool:
    """True unless inside `no_grad` (in this thread)."""
    return _MODE.enabled


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()` or `no_grad()`."""
    return not _MODE.enabled


# ---- anomaly detection ----------------------------------------------------------------------


@contextmanager
def detect_anomaly(check_nan: bool = True) -> Iterator[None]:
    """Inside this block, an op whose forward or backward produces nan or inf raises at once,
    naming the op, its input shapes and the line of your code that created it (a creation stack
    is recorded for every node only in this mode, since it is slow)."""
    prev = _ANOMALY.enabled, _ANOMALY.check_nan
    _ANOMALY.enabled, _ANOMALY.check_nan = True, bool(check_nan)
    try:
        yield
    finally:
        _ANOMALY.enabled, _ANOMALY.check_nan = prev


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off for the rest of the process."""
    _ANOMALY.enabled, _ANOMALY.check_nan = bool(mode), bool(check_nan)


def is_anomaly_enabled() -> bool:
    return _ANOMALY.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _ANOMALY.enabled and _ANOMALY.check_nan


def user_frame(stack: list[traceback.FrameSummary]) -> str:
    """The innermost frame outside likelygrad, as 'file:line in function: code'."""
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    for fr in reversed(stack):
        if not fr.filename.startswith(pkg) and "contextlib" not in fr.filename:
            return f"{fr.filename}:{fr.lineno} in {fr.name}: {fr.line}"
    fr = stack[-1]
    return f"{fr.filename}:{fr.lineno} in {fr.name}"


def anomaly_error(node: Node, what: str) -> RuntimeError:
    """The error anomaly mode raises for `node`: what holds nan or inf ('the output of {op}',
    '... gradient {op} returned ...'), the input shapes, and where the node was made."""
    shapes = ", ".join(str(tuple(getattr(a, "shape", ()))) for a in node.inputs or ())
    where = (node.meta or {}).get("stack")
    line = f"\n  created at {user_frame(where)}" if where else ""
    op = getattr(node.op, "__name__", node.name())
    return RuntimeError(
        f"detect_anomaly: {what.format(op=op)} holds nan or inf (input shapes {shapes}){line}"
    )
