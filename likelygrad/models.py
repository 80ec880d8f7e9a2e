"""The model zoo of the command line: logistic regression and multilayer perceptrons.

Both are stacked logistic-regression units: logistic regression is one Linear layer whose outputs
are logits; an MLP puts hidden layers of units h_j = act(Σ_i x_i θ_ij) in front of it.
A run's configuration (a plain dict) is enough to rebuild the architecture from a checkpoint.
"""

from __future__ import annotations

from typing import Any

from . import nn

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}


def build_model(config: dict[str, Any], in_features: int, out_features: int) -> nn.Sequential:
    """Sequential(Linear[, act, (Dropout,) Linear ...]) from config keys model, hidden,
    activation and dropout."""
    kind = config.get("model", "mlp")
    if kind == "logreg":
        return nn.Sequential(nn.Linear(in_features, out_features))
    if kind != "mlp":
        raise ValueError(f"unknown model {kind!r}: choose 'logreg' or 'mlp'")
    act = config.get("activation", "relu")
    if act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {act!r}: choose one of {sorted(ACTIVATIONS)}")
    hidden = list(config.get("hidden") or [])
    if not hidden or any(h < 1 for h in hidden):
        raise ValueError(f"an MLP needs positive hidden layer sizes, got {hidden}")
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden:
        layers += [nn.Linear(width, h), ACTIVATIONS[act]()]
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
