"""The model zoo of the command line: logistic regression, multilayer perceptrons and a small
convolutional network.

All are stacked logistic-regression units: logistic regression is one Linear layer whose outputs
are logits; an MLP puts hidden layers of units h_j = act(Σ_i x_i θ_ij) in front of it; the CNN
puts convolutional blocks in front of an MLP, units that look at one 3×3 window of the image and
share their weights across positions. A run's configuration (a plain dict) is enough to rebuild
the architecture from a checkpoint.
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
MAX_CHANNELS = 4096


def validate_config(
    config: Any, in_features: Any = None, out_features: Any = None
) -> dict[str, Any]:
    """`config` if its model keys (model, hidden, activation, dropout, in_features,
    out_features, image_shape; for a cnn channels and batch_norm) have the right types and sane
    sizes; else one ValueError that lists every problem. Sizes not passed are taken from the
    config when it has them."""
    if not isinstance(config, dict):
        raise ValueError(f"a model configuration is a dict, not {type(config).__name__}")
    problems = []
    kind = config.get("model", "mlp")
    if kind not in ("logreg", "mlp", "cnn"):
        problems.append(f"unknown model {kind!r}: choose 'logreg', 'mlp' or 'cnn'")
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
    if kind == "cnn":
        problems += _cnn_problems(config, shape)
        n_in = _flat_features(config, shape) if not problems else None
    if n_in is not None and n_out is not None:
        widths = [n_in, *(hidden if kind != "logreg" else []), n_out]
        count = sum((a + 1) * b for a, b in zip(widths, widths[1:]))  # weights and biases
        if kind == "cnn":
            count += _conv_parameters(config)
        if count > MAX_PARAMETERS:
            problems.append(f"{'-'.join(map(str, widths))} has {count:,} parameters, more than "
                            f"the {MAX_PARAMETERS:,} a configuration may ask for")  # fmt: skip
    if problems:
        raise ValueError("invalid model configuration: " + "; ".join(problems))
    return config


def _cnn_problems(config: dict[str, Any], shape: Any) -> list[str]:
    """What keeps `config` from describing a CNN for images of `shape`."""
    channels = config.get("channels") or []
    problems = []
    if not (isinstance(channels, (list, tuple)) and 1 <= len(channels) <= 8
            and all(_is_width(c) and c <= MAX_CHANNELS for c in channels)):  # fmt: skip
        problems.append(f"channels must be a list of 1 to 8 channel counts in 1..{MAX_CHANNELS}, "
                        f"got {_short(channels)}")  # fmt: skip
    if not isinstance(config.get("batch_norm", False), bool):
        problems.append(f"batch_norm must be true or false, got {_short(config['batch_norm'])}")
    if not (isinstance(shape, (list, tuple)) and len(shape) in (2, 3)
            and all(map(_is_width, shape))):  # fmt: skip
        problems.append(f"a cnn needs the image_shape (H, W) or (C, H, W), got {_short(shape)}")
    elif not problems and min(shape[-2:]) >> len(channels) < 1:
        problems.append(
            f"{len(channels)} conv blocks halve {tuple(shape[-2:])} images to nothing: each "
            f"block's 2×2 max-pool halves the height and width; use at most "
            f"{min(shape[-2:]).bit_length() - 1} values for channels"
        )
    return problems


def _flat_features(config: dict[str, Any], shape: Any) -> int:
    """The number of features the CNN's conv blocks hand to its MLP head."""
    n = len(config["channels"])
    return config["channels"][-1] * (shape[-2] >> n) * (shape[-1] >> n)


def _conv_parameters(config: dict[str, Any]) -> int:
    """Weights, biases and batch-norm scales and shifts of the CNN's conv blocks."""
    widths = [_in_channels(config), *config["channels"]]
    per_out = 2 if config.get("batch_norm") else 1
    return sum((a * 9 + per_out) * b for a, b in zip(widths, widths[1:]))


def _in_channels(config: dict[str, Any]) -> int:
    shape = config["image_shape"]
    return shape[0] if len(shape) == 3 else 1


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
    activation and dropout (a cnn adds channels, batch_norm and image_shape), checked first by
    `validate_config`."""
    validate_config(config, in_features, out_features)
    if config.get("model", "mlp") == "logreg":
        return nn.Sequential(nn.Linear(in_features, out_features))
    act = ACTIVATIONS[config.get("activation", "relu")]
    layers: list[nn.Module] = []
    width = in_features
    if config["model"] == "cnn":
        layers, width = conv_blocks(config, act)
    for h in config["hidden"]:
        layers += [nn.Linear(width, h), act()]
        if config.get("dropout"):
            layers.append(nn.Dropout(config["dropout"]))
        width = h
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


class ToImages(nn.Module):
    """Flat examples (N, C·H·W) as images (N, C, H, W): the data sets hand out flat rows."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = tuple(shape) if len(shape) == 3 else (1, *shape)

    def forward(self, x: Any) -> Any:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={tuple(self.shape)}"


def conv_blocks(config: dict[str, Any], act: type) -> tuple[list[nn.Module], int]:
    """The CNN's layers before its MLP head, and how many features they hand it.

    Each block is a 3×3 convolution with padding 1 (the image keeps its size), batch norm if
    asked, a 2×2 max-pool (halving height and width), then the activation. The activation comes
    after the pooling: every activation here is increasing, so max-pooling and it commute (the
    same function as conv-act-pool, with a quarter of the activation's work).
    """
    layers: list[nn.Module] = [ToImages(config["image_shape"])]
    c_in, bn = _in_channels(config), bool(config.get("batch_norm"))
    for c in config["channels"]:
        layers.append(nn.Conv2d(c_in, c, 3, padding=1, bias=not bn))  # BN's shift is the bias
        if bn:
            layers.append(nn.BatchNorm2d(c))
        layers += [nn.MaxPool2d(2), act()]
        c_in = c
    layers.append(nn.Flatten())
    return layers, _flat_features(config, config["image_shape"])


def describe(config: dict[str, Any], in_features: int, out_features: int) -> str:
    """'784-256-128-10 relu MLP', '784-10 logistic regression' or
    '28×28 → conv 32-64 (3×3, max-pool 2) → 3136-128-10 relu CNN'."""
    sizes = [in_features, *(config.get("hidden") or []), out_features]
    if config.get("model") == "logreg":
        return f"{in_features}-{out_features} logistic regression"
    act = config.get("activation", "relu")
    if config.get("model") == "cnn":
        shape = "×".join(map(str, config["image_shape"]))
        sizes[0] = _flat_features(config, config["image_shape"])
        bn = " + batch norm" if config.get("batch_norm") else ""
        convs = "-".join(map(str, config["channels"]))
        return (
            f"{shape} → conv {convs} (3×3{bn}, max-pool 2) → {'-'.join(map(str, sizes))} {act} CNN"
        )
    return "-".join(map(str, sizes)) + f" {act} MLP"


def unfold_bytes(config: dict[str, Any], batch_size: int, itemsize: int = 4) -> int:
    """The memory the CNN's unfolded inputs (im2col) take for one batch: the largest a
    training step holds, all its conv layers' at once (0 for the other models)."""
    if config.get("model") != "cnn":
        return 0
    h, w = config["image_shape"][-2:]
    total, c_in = 0, _in_channels(config)
    for c in config["channels"]:
        total += batch_size * h * w * 9 * c_in * itemsize
        h, w, c_in = h // 2, w // 2, c
    return total
