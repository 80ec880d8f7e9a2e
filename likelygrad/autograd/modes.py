"""Grad mode (no_grad and friends, per thread) and anomaly detection (process-wide)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .context_decorator import DecoratorContextManager, F, NoParamDecoratorContextManager

if TYPE_CHECKING:
    import traceback

    from .node import Node


class _GradMode(threading.local):
    enabled = True  # per thread, as in PyTorch: a no_grad block in one thread leaves others
    inference = False  # inside inference_mode() (no_grad alone is not inference mode)


class _Anomaly:
    enabled = False  # process-wide, as torch.autograd.set_detect_anomaly
    check_nan = True  # with enabled: raise at nan/inf (False: only record creation stacks)


_MODE = _GradMode()
_ANOMALY = _Anomaly()


def _checked_bool(where: str, name: str, value: object, hint: str = "") -> bool:
    """`value` if it is a Python bool; torch rejects anything else (1, numpy.bool_, a function)."""
    if not isinstance(value, bool):
        raise TypeError(
            f"{where}(): argument '{name}' must be bool, not {type(value).__name__}{hint}"
        )
    return value


# ---- grad mode ----------------------------------------------------------------------------------


class no_grad(NoParamDecoratorContextManager):  # noqa: N801 (PyTorch's name)
    """Context manager (and decorator, `@no_grad()` or `@no_grad`) inside which no graph is
    recorded (in this thread)."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _MODE.enabled
        _MODE.enabled = False

    def __exit__(self, *exc: object) -> None:
        _MODE.enabled = self.prev


class enable_grad(NoParamDecoratorContextManager):  # noqa: N801
    """Context manager (and decorator) that turns recording back on inside a `no_grad` block."""

    def __init__(self) -> None:
        self.prev = True

    def __enter__(self) -> None:
        self.prev = _MODE.enabled
        _MODE.enabled = True

    def __exit__(self, *exc: object) -> None:
        _MODE.enabled = self.prev


class set_grad_enabled(DecoratorContextManager):  # noqa: N801
    """Turn recording on or off: as a function call, a context manager for a block, or a
    decorator (`@set_grad_enabled(False)`, which sets the mode only inside each call)."""

    def __init__(self, mode: bool) -> None:
        # a function here is the bare `@set_grad_enabled`, which torch rejects too
        hint = " (as a decorator, write @set_grad_enabled(False))" if callable(mode) else ""
        self.mode = _checked_bool("set_grad_enabled", "mode", mode, hint)
        self.prev = _MODE.enabled
        _MODE.enabled = self.mode  # effective at once, as torch.set_grad_enabled(False)

    def __call__(self, orig_func: F) -> F:
        # Used as a decorator, the object was built only to wrap `orig_func`: undo the mode its
        # constructor set, so that only the calls of the decorated function see it.
        _MODE.enabled = self.prev
        return super().__call__(orig_func)

    def __enter__(self) -> None:
        _MODE.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _MODE.enabled = self.prev

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}(mode={self.mode})"

    def clone(self) -> set_grad_enabled:
        """A fresh manager for one call of a decorated function."""
        return self.__class__(self.mode)


class inference_mode(DecoratorContextManager):  # noqa: N801
    """`no_grad` under PyTorch's faster-inference name (mode=False records as usual); also a
    decorator, with or without parentheses (`@inference_mode`, `@inference_mode(False)`)."""

    def __new__(cls, mode: Any = True) -> Any:
        # As torch: a bool builds the manager; anything else is the function to decorate.
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = _MODE.enabled, _MODE.inference

    def __enter__(self) -> None:
        # torch's InferenceMode(False) turns grad mode on, even inside no_grad
        self.prev = _MODE.enabled, _MODE.inference
        _MODE.enabled, _MODE.inference = not self.mode, self.mode

    def __exit__(self, *exc: object) -> None:
        _MODE.enabled, _MODE.inference = self.prev

    def clone(self) -> inference_mode:
        """A fresh manager for one call of a decorated function."""
        return self.__class__(self.mode)


def is_grad_enabled() -> bool:
    """True unless inside `no_grad` (in this thread)."""
    return _MODE.enabled


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()` (not inside `no_grad()` alone), as in torch."""
    return _MODE.inference


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


class set_detect_anomaly:  # noqa: N801 (PyTorch's name)
    """Turn anomaly detection on or off: as a plain call, for the rest of the process; as a
    context manager, until the block ends (the previous setting is restored on exit)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        mode = _checked_bool("set_detect_anomaly", "mode", mode)
        check_nan = _checked_bool("set_detect_anomaly", "check_nan", check_nan)
        self.prev = _ANOMALY.enabled, _ANOMALY.check_nan
        _ANOMALY.enabled, _ANOMALY.check_nan = mode, check_nan  # at once, as torch

    def __enter__(self) -> None:
        pass  # the constructor already set the mode

    def __exit__(self, *exc: object) -> None:
        _ANOMALY.enabled, _ANOMALY.check_nan = self.prev


def is_anomaly_enabled() -> bool:
    return _ANOMALY.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """The check_nan flag as last set, whether or not detection is on (as torch reports it)."""
    return _ANOMALY.check_nan


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
