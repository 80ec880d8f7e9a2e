"""Per-parameter optimizer state: the ``ParamState`` mapping and deep copies of state values.

State arrays live where their parameter lives (NumPy, CuPy, any Array API library), so copies
are made with the array's own library.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import numpy as np

from ..backend import backend_of, is_foreign_array


class ParamState(MutableMapping):
    """Per-parameter state dicts keyed by parameter identity, like torch's ``defaultdict(dict)``.

    Keying by ``id`` means parameters need not be hashable (a dataclass or a Tensor with an
    elementwise ``__eq__`` is not); the optimizer's param groups keep every key alive.
    """

    def __init__(self) -> None:
        self.by_id: dict[int, dict[str, Any]] = {}  # the fast path used inside step()
        self._params: dict[int, Any] = {}

    def __getitem__(self, param: Any) -> dict[str, Any]:
        key = id(param)
        if key not in self.by_id:  # missing entries are created empty, as in a defaultdict
            self.by_id[key], self._params[key] = {}, param
        return self.by_id[key]

    def __setitem__(self, param: Any, value: dict[str, Any]) -> None:
        self.by_id[id(param)], self._params[id(param)] = value, param

    def __delitem__(self, param: Any) -> None:
        del self.by_id[id(param)], self._params[id(param)]

    def __contains__(self, param: object) -> bool:
        return id(param) in self.by_id

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._params.values()))

    def __len__(self) -> int:
        return len(self.by_id)

    def clear(self) -> None:
        """Forget the state of every parameter."""
        self.by_id.clear()
        self._params.clear()


def is_array(value: Any) -> bool:
    """A NumPy array or an array of another Array API library (CuPy, array_api_strict...)."""
    return isinstance(value, np.ndarray) or (is_foreign_array(value) and hasattr(value, "shape"))


def copy_value(value: Any) -> Any:
    """Deep-copy a state value: arrays with their own library, containers recursively."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if is_array(value):
        return backend_of(value).asarray(
            value, copy=True, device=backend_of(value).device_of(value)
        )
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: copy_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copy_value(v) for v in value)
    return value


def to_host(value: Any) -> Any:
    """A state value with Tensors unwrapped and every array as a NumPy array (for checking)."""
    if hasattr(value, "array") and hasattr(value, "requires_grad"):  # a Tensor
        value = value.array
    if is_array(value) and not isinstance(value, np.ndarray):
        return backend_of(value).to_numpy(value)
    if isinstance(value, dict):
        return {k: to_host(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [to_host(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def to_param_backend(value: Any, param_array: Any) -> Any:
    """NumPy arrays in a (checked) state value moved to the library and device of a parameter."""
    xp = backend_of(param_array)
    if isinstance(value, np.ndarray):
        if isinstance(param_array, np.ndarray):
            return value
        return xp.asarray(value, device=xp.device_of(param_array))
    if isinstance(value, dict):
        return {k: to_param_backend(v, param_array) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [to_param_backend(v, param_array) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value
