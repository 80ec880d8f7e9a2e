"""Context managers that also decorate functions, as torch.utils._contextlib.

`no_grad`, `enable_grad`, `set_grad_enabled` and `inference_mode` (in `modes.py`) build on the two
base classes here. A decorated function enters a fresh copy of the manager on every call (so
recursion and threads each keep their own saved mode), and a decorated generator function holds
the mode only while its body runs: the caller's mode is back in force at every `yield`.
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


def _wrap_generator(
    make_ctx: Callable[[], AbstractContextManager[Any]], fn: Callable[..., Generator]
) -> Callable[..., Generator]:
    """`fn` whose generator runs each step (start, send, throw, close) inside `make_ctx()`."""

    @functools.wraps(fn)
    def generator_context(*args: Any, **kwargs: Any) -> Generator:
        gen = fn(*args, **kwargs)
        try:
            with make_ctx():
                response = gen.send(None)
            while True:
                try:
                    request = yield response  # the caller's mode holds while we are suspended
                except GeneratorExit:
                    with make_ctx():
                        gen.close()
                    raise
                except BaseException:
                    with make_ctx():
                        response = gen.throw(*sys.exc_info())
                else:
                    with make_ctx():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value  # the wrapped generator's `return` value, passed on

    return generator_context


def context_decorator(make_ctx: Callable[[], AbstractContextManager[Any]], fn: F) -> F:
    """`fn` run inside a fresh `make_ctx()` on each call; generators are wrapped per step."""
    if inspect.isclass(fn):
        raise RuntimeError(
            "Cannot decorate classes: decorate the methods (such as __init__) that should run "
            "under the context manager instead."
        )
    if inspect.isgeneratorfunction(fn):
        return cast(F, _wrap_generator(make_ctx, fn))

    @functools.wraps(fn)
    def decorate_context(*args: Any, **kwargs: Any) -> Any:
        with make_ctx():
            return fn(*args, **kwargs)

    return cast(F, decorate_context)


class DecoratorContextManager:
    """A context manager whose instances also decorate functions: `@manager(...)`."""

    def __call__(self, orig_func: F) -> F:
        if inspect.isclass(orig_func):  # torch still allows this, with a FutureWarning
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. "
                "You should only decorate functions or methods. To preserve the current "
                "behavior of class decoration, you can directly decorate the `__init__` "
                "method and nothing else.",
                FutureWarning,
                stacklevel=2,
            )
            cls = orig_func
            func = cast(F, lambda *args, **kwargs: cls(*args, **kwargs))
        else:
            func = orig_func
        return context_decorator(self.clone, func)

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, *exc: object) -> None:
        raise NotImplementedError

    def clone(self) -> DecoratorContextManager:
        """A fresh manager with the same settings (subclasses with arguments override this)."""
        return self.__class__()


class NoParamDecoratorContextManager(DecoratorContextManager):
    """A decorator context manager that also works without parentheses: `@manager`."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # not an instance of cls, so Python skips __init__
