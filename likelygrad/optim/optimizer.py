"""The optimizer base class: parameter groups, per-parameter state, and state dicts.

Training a model is maximum-likelihood estimation: an optimizer walks the parameters θ down the
negative log-likelihood (or, with ``maximize=True``, up the log-likelihood itself). Subclasses only
write ``step``; everything about bookkeeping lives here and follows ``torch.optim.Optimizer``.

Parameters are floating-point leaf Tensors. The optimizer updates each one's backend array
(``p.array``, NumPy or another library's, on any device) in place, never rebinding it, since
other code holds views of it; it only reads ``p.grad``. Its state arrays live on the parameter's
device.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import numpy as np

from .saved_state import (
    check_layout,
    hyper_parameter_problems,
    is_count,
    loaded_value,
    parameters_by_index,
)


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


def _copy_value(value: Any, dtype: Any = None) -> Any:
    """Deep-copy a state value; floating arrays are cast to ``dtype`` when one is given."""
    if isinstance(value, np.ndarray):
        if dtype is not None and np.issubdtype(value.dtype, np.floating):
            return np.array(value, dtype=dtype, copy=True)
        return value.copy()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _copy_value(v, dtype) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_value(v, dtype) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_value(v, dtype) for v in value)
    return value


def check_nonnegative(value: float, what: str) -> None:
    """Raise torch's ``ValueError("Invalid <what>: <value>")`` unless ``0 <= value``."""
    if not 0.0 <= value:  # written this way so that NaN is rejected too
        raise ValueError(f"Invalid {what}: {value}")


class Optimizer:
    """Base class: holds ``param_groups`` and ``state``; subclasses implement ``step``.

    ``params`` is an iterable of parameters, or of dicts (param groups) each with a ``"params"``
    list and any hyper-parameters that override ``defaults`` for that group.
    """

    # names of state arrays shaped like their parameter; load_state_dict checks their shapes
    _param_shaped_state: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if hasattr(params, "array") and hasattr(params, "grad"):
            raise TypeError(
                "params should be an iterable of parameters or of dicts, but got a single "
                f"{type(params).__name__}; wrap it in a list"
            )
        self.defaults = dict(defaults)
        self.state = ParamState()
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        """Raise ``ValueError`` for invalid hyper-parameters in ``group`` (subclasses extend)."""
        if "lr" in group:
            check_nonnegative(group["lr"], "learning rate")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (defaults fill the rest)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError("param_group must have a 'params' entry")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters must be in an ordered collection, not a set")
        params = [params] if hasattr(params, "array") else list(params)
        for p in params:
            if not (hasattr(p, "array") and hasattr(p, "requires_grad")):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if p.dtype.kind != "f":
                raise TypeError(
                    f"optimizer can only optimize floating-point tensors, got {p.dtype}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer param group contains the same parameter twice")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self._validate_group(group)
        self.param_groups.append(group)

    def _all_params(self) -> Iterator[Any]:
        for group in self.param_groups:
            yield from group["params"]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to ``None`` (the default) or to zeros in place, as torch."""
        for p in self._all_params():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter once; ``closure`` re-evaluates the loss, which is returned."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def state_dict(self) -> dict[str, Any]:
        """Snapshot ``{"state": {index: ...}, "param_groups": [...]}`` with params as indices.

        Parameters are numbered across groups in order, as in torch. Unlike torch the arrays are
        copies, so the snapshot does not change as training continues.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _copy_value(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[k]: _copy_value(v) for k, v in self.state.by_id.items() if k in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a ``state_dict()`` taken from an optimizer built over the same parameter layout.

        All or nothing: everything is checked first and every problem is reported in one
        ValueError. As in torch, state arrays are copied and cast to the parameter's dtype
        (integer arrays too; ``step`` stays an integer), so later steps never write into
        ``state_dict``; unlike torch, arrays that are not real numbers (complex, object, strings)
        are refused. Each hyper-parameter must have the type of its default.
        """
        saved_groups, saved_state = check_layout(state_dict, self.param_groups)
        problems: list[str] = []
        by_index = parameters_by_index(saved_groups, self.param_groups, problems)
        new_state = ParamState()
        for i, saved in saved_state.items():
            p = by_index.get(int(i)) if is_count(i) else None
            if p is None:
                problems.append(f"state for parameter {i!r}, which no group lists")
            elif not isinstance(saved, Mapping):
                problems.append(f"the state of parameter {i} is {type(saved).__name__}, not a dict")
            else:
                new_state[p] = self._loaded_state(i, saved, p, problems)
        new_groups = []
        for n, (s, g) in enumerate(zip(saved_groups, self.param_groups)):
            group = {**g, **{k: _copy_value(v) for k, v in s.items() if k != "params"}}
            group["params"] = g["params"]
            found = hyper_parameter_problems(s, self.defaults)
            if not found:  # the subclass's checks assume the types are right
                try:
                    self._validate_group(group)
                except (TypeError, ValueError) as e:
                    found.append(str(e))
            problems += [f"group {n}: {e}" for e in found]
            new_groups.append(group)
        if problems:
            raise ValueError("cannot load optimizer state: " + "; ".join(problems))
        self.state, self.param_groups = new_state, new_groups

    # keys that a parameter's state, once it has any, must hold (checked by load_state_dict)
    _required_state: tuple[str, ...] = ()

    def _state_dtype(self, param: Any) -> np.dtype:
        """The dtype loaded state arrays are cast to: the parameter's, as in torch."""
        return param.array.dtype

    def _loaded_state_problems(self, index: int, state: dict[str, Any]) -> list[str]:
        """What is wrong with one parameter's loaded state beyond types and shapes."""
        return []

    def _loaded_state(
        self, index: Any, saved: Mapping[str, Any], param: Any, problems: list[str]
    ) -> dict[str, Any]:
        """A checked, converted copy of one parameter's saved state; problems are appended."""
        state: dict[str, Any] = {}
        for key, value in saved.items():
            where = f"state[{index}][{key!r}]"
            if key == "step":  # a count, never cast (as in torch)
                if is_count(value):
                    state[key] = int(value)
                else:
                    problems.append(f"step of parameter {index} must be an integer >= 0")
            elif key in self._param_shaped_state:  # None means "not created yet"
                if isinstance(value, np.ndarray) and value.shape == param.array.shape:
                    state[key] = loaded_value(value, self._state_dtype(param), where, problems)
                elif value is not None:
                    found = value.shape if isinstance(value, np.ndarray) else type(value).__name__
                    shape = param.array.shape
                    problems.append(f"{key} of parameter {index} has shape {found}, not {shape}")
            else:
                state[key] = loaded_value(value, self._state_dtype(param), where, problems)
        if state:
            missing = [k for k in self._required_state if k not in state]
            if missing:
                problems.append(f"the state of parameter {index} lacks {', '.join(missing)}")
            problems += self._loaded_state_problems(index, state)
        return state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            options = ", ".join(f"{k}={v!r}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {options}")
        return "\n".join([*lines, ")"])
