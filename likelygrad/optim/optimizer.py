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

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .param_state import ParamState, copy_value, to_host, to_param_backend
from .saved_state import (
    check_layout,
    hyper_parameter_problems,
    is_count,
    loaded_value,
    parameters_by_index,
)


def check_nonnegative(value: float, what: str) -> None:
    """Raise torch's ``ValueError("Invalid <what>: <value>")`` unless ``0 <= value``."""
    if not 0.0 <= value:  # written this way so that NaN is rejected too
        raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas: Any) -> None:
    """Raise torch's ``ValueError`` unless ``betas`` is a pair of numbers in [0, 1)."""
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def check_implementation_flags(
    name: str,
    foreach: bool | None = None,
    fused: bool | None = None,
    capturable: bool = False,
    differentiable: bool = False,
) -> None:
    """Accept torch's kernel-choice flags; refuse ``differentiable=True``, which we cannot do.

    ``foreach``, ``fused`` and ``capturable`` choose among torch's implementations of the same
    update; likelygrad has one implementation, so they change nothing and are not stored.
    """
    if differentiable:
        raise NotImplementedError(
            f"{name}: differentiable=True (gradients through the optimizer step) is not "
            "supported; leave it False"
        )


def descent_gradient(grad: Any, data: Any, decay: float, maximize: bool) -> tuple[Any, bool]:
    """``(g, owned)``: the direction a step descends, g = ±∇f + λθ, and whether g is a new array.

    ``maximize=True`` negates the gradient first (climbing f, e.g. a log-likelihood written
    literally); weight decay λ adds λθ, the gradient of a Gaussian prior's negative log-density
    (an L2 penalty λ/2 ‖θ‖²), so the step maximizes the posterior. When ``owned`` is False, g is
    ``p.grad``'s own array, which the caller must not modify in place.
    """
    if decay != 0.0:
        g = data * decay
        if maximize:
            g -= grad
        else:
            g += grad
        return g, True
    if maximize:
        return -grad, True
    return grad, False


def lerp_(a: Any, b: Any, weight: float) -> None:
    """``a ← a + weight (b - a)`` in place, computed as torch's ``lerp_`` computes it."""
    if weight < 0.5:
        work = b - a
        work *= weight
        a += work
    else:  # torch switches to b - (b - a)(1 - w) here, exact at w = 1
        work = b - a
        work *= 1.0 - weight
        a[...] = b - work


def _changes_versions(step: Callable[..., Any]) -> Callable[..., Any]:
    """`step`, then each updated parameter's version counter advanced, as torch's in-place
    updates do: a graph built before the step and backpropagated after it raises (its saved
    weights were overwritten) instead of giving gradients of weights it never used."""

    @functools.wraps(step)
    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = step(self, *args, **kwargs)
        self._opt_called = True  # for lr_scheduler's check that step() came first, as torch's
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p._version[0] += 1
        return out

    return counted


class Optimizer:
    """Base class: holds ``param_groups`` and ``state``; subclasses implement ``step``.

    ``params`` is an iterable of parameters, or of dicts (param groups) each with a ``"params"``
    list and any hyper-parameters that override ``defaults`` for that group.
    """

    # names of state arrays shaped like their parameter; load_state_dict checks their shapes
    _param_shaped_state: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _changes_versions(cls.__dict__["step"])  # type: ignore[method-assign]

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
            packed = {k: copy_value(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[k]: copy_value(v) for k, v in self.state.by_id.items() if k in index}
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
            group = {**g, **{k: copy_value(v) for k, v in s.items() if k != "params"}}
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
        return param.dtype

    def _loaded_state_problems(self, index: int, state: dict[str, Any]) -> list[str]:
        """What is wrong with one parameter's loaded state beyond types and shapes."""
        return []

    def _loaded_state(
        self, index: Any, saved: Mapping[str, Any], param: Any, problems: list[str]
    ) -> dict[str, Any]:
        """A checked, converted copy of one parameter's saved state; problems are appended."""
        state: dict[str, Any] = {}
        for key, value in to_host(dict(saved)).items():
            where = f"state[{index}][{key!r}]"
            if key == "step":  # a count, never cast (as in torch)
                if is_count(value):
                    state[key] = int(value)
                else:
                    problems.append(f"step of parameter {index} must be an integer >= 0")
            elif key in self._param_shaped_state:  # None means "not created yet"
                if isinstance(value, np.ndarray) and value.shape == tuple(param.shape):
                    state[key] = loaded_value(value, self._state_dtype(param), where, problems)
                elif value is not None:
                    found = value.shape if isinstance(value, np.ndarray) else type(value).__name__
                    shape = tuple(param.shape)
                    problems.append(f"{key} of parameter {index} has shape {found}, not {shape}")
            else:
                state[key] = loaded_value(value, self._state_dtype(param), where, problems)
        if state:
            missing = [k for k in self._required_state if k not in state]
            if missing:
                problems.append(f"the state of parameter {index} lacks {', '.join(missing)}")
            problems += self._loaded_state_problems(index, state)
        return to_param_backend(state, param.array)  # state lives where its parameter lives

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            options = ", ".join(f"{k}={v!r}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {options}")
        return "\n".join([*lines, ")"])
