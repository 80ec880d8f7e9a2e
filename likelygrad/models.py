"""The model zoo of the command line: logistic regression and multilayer perceptrons.

Both are stacked logistic-regression units: logistic regression is one Linear layer whose outputs
are logits; an MLP puts hidden layers of units h_j = act(Σ_i x_i θ_ij) in front of it.
A run's configuration (a plain dict) is enough to rebuild the architecture from a checkpoint.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import nn

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}


# Bounds for a configuration read from a file: far beyond any model the CLI trains, far below
# what would exhaust memory (2**28 float32 parameters are 1 GiB; a million-unit layer is absurd).
MAX_WIDTH = 1 << 20
MAX_DEPTH = 64
MAX_PARAMETERS = 1 << 28


def validate_config(
    config: Any, in_features: Any = None, out_features: Any = None
) -> dict[str, Any]:
    """`config` if its model keys (model, hidden, activation, dropout, in_features,
    out_features, image_shape) have the right types and sane sizes; else one ValueError that
    lists every problem. Sizes not passed are taken from the config when it has them."""
    if not isinstance(config, dict):
        raise ValueError(f"a model configuration is a dict, not {type(config).__name__}")
    problems = []
    kind = config.get("model", "mlp")
    if kind not in ("logreg", "mlp"):
        problems.append(f"unknown model {kind!r}: choose 'logreg' or 'mlp'")
    act = config.get("activation", "relu")
    if act is None and kind == "logreg":  # logistic regression has no hidden activation
        act = "relu"
    if not isinstance(act, str) or act not in ACTIVATIONS:
        problems.append(f"unknown activation {act!r}: choose one of {sorted(ACTIVATIONS)}")
    dropout = config.get("dropout") or 0.0
    if not (_is_real(dropout) and 0.0 <= dropout <= 1.0):
        problems.append(f"dropout must be a probability in [0, 1], got {dropout!r}")
    hidden = config.get("hidden") or []
    if not (
        isinstance(hidden, (list, tuple))
        and len(hidden) <= MAX_DEPTH
        and all(map(_is_width, hidden))
    ):
        problems.append(
            f"hidden must be a list of at most {MAX_DEPTH} layer sizes in 1..{MAX_WIDTH}, "
            f"got {_short(hidden)}"
        )
        hidden = []
    elif kind == "mlp" and not hidden:
        problems.append("an MLP needs positive hidden layer sizes, got []")
    sizes = {"in_features": in_features, "out_features": out_features}
    for name, value in sizes.items():
        sizes[name] = value = config.get(name) if value is None else value
        if value is not None and not _is_width(value):
            problems.append(f"{name} must be an integer in 1..{MAX_WIDTH}, got {_short(value)}")
            sizes[name] = None
    shape = config.get("image_shape")
    n_in = sizes["in_features"]
    if shape is not None and not (
        isinstance(shape, (list, tuple))
        and 1 <= len(shape) <= 3
        and all(map(_is_width, shape))
        and (n_in is None or math.prod(shape) == n_in)
    ):
        problems.append(
            f"image_shape must be 1 to 3 sizes whose product is in_features ({n_in}), "
            f"got {_short(shape)}"
        )
    n_out = sizes["out_features"]
    if n_in is not None and n_out is not None:
        widths = [n_in, *(hidden if kind == "mlp" else []), n_out]
        count = sum((a + 1) * b for a, b in zip(widths, widths[1:]))  # weights and biases
        if count > MAX_PARAMETERS:
            problems.append(f"{'-'.join(map(str, widths))} has {count:,} parameters, more than "
                            f"the {MAX_PARAMETERS:,} a configuration may ask for")  # fmt: skip
    if problems:
        raise ValueError("invalid model configuration: " + "; ".join(problems))
    return config


def _is_width(v: Any) -> bool:
    return (
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and bool(1 <= v <= MAX_WIDTH)
    )


def _is_real(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def build_model(config: dict[str, Any], in_features: int, out_features: int) -> nn.Sequential:
    """Sequential(Linear[, act, (Dropout,) Linear ...]) from config keys model, hidden,
    activation and dropout, checked first by `validate_config`."""
    validate_config(config, in_features, out_features)
    if config.get("model", "mlp") == "logreg":
        return nn.Sequential(nn.Linear(in_features, out_features))
    act = ACTIVATIONS[config.get("activation", "relu")]
    layers: list[nn.Module] = []
    width = in_features
    for h in config["hidden"]:
        layers += [nn.Linear(width, h), act()]
        if config.get("dropout"):
            layers.append(nn.Dropout(config["dropout"]))
        width = h
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


def describe(config: dict[str, Any], in_features: int, out_features: int) -> str:
    """'784-256-128-10 relu MLP' or '784-10 logistic regression'."""
    sizes = [in_features, *(config.get("hidden") or []), out_features]
    if config.get("model") == "logreg":
        return f"{in_features}-{out_features} logistic regression"
    return "-".join(map(str, sizes)) + f" {config.get('activation', 'relu')} MLP"
