"""Checks on an optimizer state dict read back from a file, before any of it is used.

``Optimizer.load_state_dict`` must be all or nothing: a state dict from a damaged or foreign
checkpoint is checked as a whole (its layout, every value's type, every array's dtype) and each
problem is collected, so that one ValueError can name them all and nothing is half-loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def is_count(value: Any) -> bool:
    """An integer >= 0 (a NumPy integer too, but not a bool)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and bool(value >= 0)


def check_layout(state_dict: Any, groups: list[dict[str, Any]]) -> tuple[list, Mapping]:
    """(saved param_groups, saved state) if their containers and group sizes fit `groups`."""
    if not (isinstance(state_dict, Mapping) and {"state", "param_groups"} <= state_dict.keys()):
        raise ValueError("state_dict must be a dict with keys 'state' and 'param_groups'")
    saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
    if not (
        isinstance(saved_groups, (list, tuple))
        and all(isinstance(s, Mapping) and isinstance(s.get("params"), list) for s in saved_groups)
        and isinstance(saved_state, Mapping)
    ):
        raise ValueError(
            "cannot load optimizer state: 'param_groups' must be a list of dicts, each with a "
            "'params' list, and 'state' a dict from parameter index to that parameter's state"
        )
    if len(saved_groups) != len(groups):
        raise ValueError(
            f"loaded state dict has {len(saved_groups)} parameter groups, "
            f"but the optimizer has {len(groups)}"
        )
    problems = [
        f"group {i} has {len(s['params'])} parameters in the state dict "
        f"but {len(g['params'])} in the optimizer"
        for i, (s, g) in enumerate(zip(saved_groups, groups))
        if len(s["params"]) != len(g["params"])
    ]
    if problems:
        raise ValueError("cannot load optimizer state: " + "; ".join(problems))
    return list(saved_groups), saved_state


def parameters_by_index(
    saved_groups: list, groups: list[dict[str, Any]], problems: list[str]
) -> dict[int, Any]:
    """Saved parameter index -> the optimizer's parameter in the same place, as in torch."""
    by_index: dict[int, Any] = {}
    for s, g in zip(saved_groups, groups):
        for i, p in zip(s["params"], g["params"]):
            if is_count(i) and int(i) not in by_index:
                by_index[int(i)] = p
            else:
                problems.append(f"parameter index {i!r} is not a distinct integer >= 0")
    return by_index


def loaded_value(value: Any, dtype: np.dtype, where: str, problems: list[str]) -> Any:
    """A copy of a saved state value with its arrays cast to `dtype`, as torch casts state.

    Arrays must hold real numbers (bool, integer or float); containers are copied
    recursively. Anything else is appended to `problems` (and None returned in its place).
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf" and value.dtype.fields is None:
            return np.array(value, dtype=dtype, copy=True)
        problems.append(f"{where} holds {value.dtype} values, not real numbers")
    elif isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    elif value is None or isinstance(value, (bool, int, float)):
        return value
    elif isinstance(value, dict):
        return {k: loaded_value(v, dtype, f"{where}[{k!r}]", problems) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        items = [loaded_value(v, dtype, f"{where}[{i}]", problems) for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    else:
        problems.append(f"{where} is a {type(value).__name__}, which optimizer state never holds")
    return None


def _same_kind(default: Any, value: Any) -> bool:
    """Whether `value` can stand for a hyper-parameter whose default is `default`."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):  # e.g. Adam's betas
        return (
            isinstance(value, (list, tuple))
            and len(value) == len(default)
            and all(_same_kind(d, v) for d, v in zip(default, value))
        )
    if default is None or isinstance(default, str):  # e.g. L-BFGS's line_search_fn
        return value is None or isinstance(value, str)
    return True


def hyper_parameter_problems(saved: Mapping[str, Any], defaults: dict[str, Any]) -> list[str]:
    """Each saved hyper-parameter must have its default's type (any number for a number);
    one without a default (a scheduler's initial_lr) must be a number, bool, string or None."""
    problems = []
    for key, value in saved.items():
        if key == "params":
            continue
        if key in defaults and not _same_kind(defaults[key], value):
            problems.append(f"{key} must be like its default {defaults[key]!r}, not {value!r}")
        elif key not in defaults and not (value is None or isinstance(value, (int, float, str))):
            problems.append(f"{key} must be a number, bool, string or None, not {value!r}")
    return problems
