"""Forward hooks of a Module (torch's register_forward_pre_hook / register_forward_hook)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

_hook_ids = itertools.count()


class RemovableHandle:
    """Returned by `register_forward_hook` and friends: `remove()` unregisters the hook."""

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.id = next(_hook_ids)
        self._hooks = hooks

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class HooksMixin:
    """Forward hooks for Module: functions called around `forward` each time it runs."""

    __slots__ = ()

    if TYPE_CHECKING:  # Module's attributes, for the type checker
        _forward_hooks: dict[int, tuple[Callable, bool, bool]]
        _forward_pre_hooks: dict[int, tuple[Callable, bool]]

        def forward(self, *args: Any, **kwargs: Any) -> Any: ...

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {res}."
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        try:
            result = self.forward(*args, **kwargs)
        except Exception:
            for hook, with_kwargs, always in list(self._forward_hooks.values()):
                if always:  # always_call=True: runs even when forward raises
                    hook(self, args, kwargs, None) if with_kwargs else hook(self, args, None)
            raise
        for hook, with_kwargs, _ in list(self._forward_hooks.values()):
            res = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
            if res is not None:
                result = res
        return result

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call hook(module, args) before forward (hook(module, args, kwargs) with_kwargs); a
        returned value replaces the positional arguments (a non-tuple becomes a 1-tuple)."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = (hook, with_kwargs)
        if prepend:
            self._move_first(self._forward_pre_hooks, handle.id)
        return handle

    def register_forward_hook(
        self,
        hook: Callable,
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call hook(module, args, output) after forward (hook(module, args, kwargs, output)
        with_kwargs); a returned value replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = (hook, with_kwargs, always_call)
        if prepend:
            self._move_first(self._forward_hooks, handle.id)
        return handle

    @staticmethod
    def _move_first(hooks: dict, key: int) -> None:
        entry = hooks.pop(key)
        rest = dict(hooks)
        hooks.clear()
        hooks[key] = entry
        hooks.update(rest)
