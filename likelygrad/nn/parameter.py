"""`Parameter` and `Buffer`: tensors that a Module registers when they are assigned to it, as
learnable parameters or as state (torch.nn.Parameter, torch.nn.Buffer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import backend_for
from ..devices import get_default_device
from ..dtypes import get_default_dtype
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that a Module registers as a learnable parameter (requires_grad by default).

    `Parameter(t)` shares t's memory, as in torch; other data (arrays, lists) is copied.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr: Any = np.zeros(0, dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data.array
        else:  # new data goes where factory functions put tensors (lg.set_default_device)
            arr = np.array(data, dtype=np.result_type(np.asarray(data), get_default_dtype()))
            where = get_default_device()
            if where.type != "cpu":
                arr = backend_for(where).asarray(arr, device=where)
        self.array, self._grad, self._node, self._version, self._base, self._name = (
            arr, None, None, [0], None, None,
        )  # fmt: skip
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A tensor that, assigned to a Module attribute, registers as a buffer (saved in
    state_dict unless persistent=False). `Buffer(t)` shares t's memory."""

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        arr = (
            np.zeros(0, dtype=get_default_dtype())
            if data is None
            else data.array
            if isinstance(data, Tensor)
            else np.asarray(data)
        )
        self.array, self._grad, self._node, self._version, self._base, self._name = (
            arr, None, None, [0], None, None,
        )  # fmt: skip
        self.persistent = persistent

    def __deepcopy__(self, memo: dict) -> Tensor:
        new = super().__deepcopy__(memo)
        new.persistent = self.persistent  # type: ignore[attr-defined]
        return new


def typename(value: Any) -> str:
    """torch.typename: 'torch.FloatTensor' for a tensor, the qualified class name otherwise."""
    if isinstance(value, Tensor):
        return str(value.type())
    cls = type(value)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"
