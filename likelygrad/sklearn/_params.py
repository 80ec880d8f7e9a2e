"""The hyper-parameters both estimators share: their allowed values, checked at fit time."""

from __future__ import annotations

import numbers
from typing import Any

from .. import nn

ACTIVATIONS = {"identity": nn.Identity, "logistic": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
DTYPES = ("float32", "float64")


def check_param(ok: bool, name: str, value: Any, want: str) -> None:
    """ValueError 'NAME must be WANT, got VALUE' unless `ok`."""
    if not ok:
        raise ValueError(f"{name} must be {want}, got {value!r}")


def is_int(v: Any) -> bool:
    """An integer, not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def is_real(v: Any) -> bool:
    """A real number, not a bool."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def check_common_params(est: Any) -> None:
    """ValueError naming the first hyper-parameter of `est` that is out of its range."""
    sizes = est.hidden_layer_sizes
    sizes = [sizes] if is_int(sizes) else sizes
    checks = [
        (hasattr(sizes, "__iter__") and all(is_int(s) and s > 0 for s in sizes),
         "hidden_layer_sizes", "a sequence of positive integers"),
        (est.activation in ACTIVATIONS, "activation", f"one of {sorted(ACTIVATIONS)}"),
        (is_real(est.alpha) and est.alpha >= 0, "alpha", ">= 0"),
        (est.batch_size == "auto" or (is_int(est.batch_size) and est.batch_size > 0),
         "batch_size", "'auto' or a positive integer"),
        (is_real(est.learning_rate_init) and est.learning_rate_init > 0,
         "learning_rate_init", "> 0"),
        (is_int(est.max_iter) and est.max_iter > 0, "max_iter", "a positive integer"),
        (is_real(est.tol) and est.tol >= 0, "tol", ">= 0"),
        (is_real(est.validation_fraction) and 0 < est.validation_fraction < 1,
         "validation_fraction", "in (0, 1)"),
        (is_int(est.n_iter_no_change) and est.n_iter_no_change > 0,
         "n_iter_no_change", "a positive integer"),
        (est.dtype in DTYPES, "dtype", f"one of {DTYPES}"),
    ]  # fmt: skip
    for ok, name, want in checks:
        check_param(ok, name, getattr(est, name), want)
