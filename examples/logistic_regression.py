"""Logistic regression as ONE sigmoid unit, fitted by maximum likelihood: "is this a 3?".

The lecture notes begin by trying MNIST with logistic regression. One unit sees every pixel:

    ŷ = σ(Σ_i x_i θ_i + b) = P(Y = 1 | x)        (Y = 1 means "the digit is a 3")

Each label is a coin flip with that probability, a Bernoulli, so the likelihood of one example
is ŷ^y (1 - ŷ)^(1-y) and, the examples being IID, the log-likelihood of the data set is

    LL(θ) = Σ_n  y_n log ŷ_n + (1 - y_n) log(1 - ŷ_n).

We climb it by gradient ASCENT: `ll.backward()` gives ∇LL, and `SGD(..., maximize=True)` steps
uphill, θ ← θ + lr ∇LL. No "loss" is written anywhere; the minus sign of a loss never appears.

    python examples/logistic_regression.py                    # MNIST (or its 5,000-digit sample)
    python examples/logistic_regression.py --dataset fashion-mnist --positive 8
"""

from __future__ import annotations

import argparse

import numpy as np

import likelygrad as lg
from likelygrad.likelihoods import Bernoulli


def load(name: str, positive: int, max_train: int | None = None):
    """Pixels in [0, 1] as (N, H·W) float32, and labels 1.0 for class `positive`, else 0.0."""
    ds = lg.data.load_dataset(name, download=False)  # "mnist" falls back to "mnist-sample"
    x_train, x_test = lg.data.to_float(ds.x_train), lg.data.to_float(ds.x_test)
    y_train = (ds.y_train == positive).astype(np.float32)
    y_test = (ds.y_test == positive).astype(np.float32)
    if max_train is not None:
        x_train, y_train = x_train[:max_train], y_train[:max_train]
    return ds, x_train, y_train, x_test, y_test


def logits(x: np.ndarray, theta: lg.Tensor, b: lg.Tensor) -> lg.Tensor:
    """z = Σ_i x_i θ_i + b for every row of x; the unit's output is ŷ = σ(z)."""
    return lg.tensor(x) @ theta + b


def log_likelihood(x: np.ndarray, y: np.ndarray, theta: lg.Tensor, b: lg.Tensor) -> float:
    """LL(θ) = Σ_n log p(y_n | x_n; θ) over a whole data set, without recording a graph."""
    with lg.no_grad():
        return float(Bernoulli(logits=logits(x, theta, b)).log_prob(y).sum().item())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default="mnist", help="mnist, mnist-sample, fashion-mnist, digits")
    p.add_argument("--positive", type=int, default=3, help="the class the unit says yes to")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--quick", action="store_true", help="a tiny run (2 epochs, ≤ 4,000 examples)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Train the unit; print LL(θ) per epoch and the test accuracy; return them."""
    args = parse_args(argv)
    epochs = 2 if args.quick else args.epochs
    ds, x, y, x_test, y_test = load(args.dataset, args.positive, 4000 if args.quick else None)
    name = ds.class_names[args.positive]
    print(f"{ds.name}: {len(x)} training images, {len(x_test)} test; y = 1 for class {name!r} "
          f"({y.mean():.1%} of the training set)")  # fmt: skip

    theta = lg.zeros(x.shape[1], requires_grad=True)  # one weight θ_i per pixel x_i
    b = lg.zeros((), requires_grad=True)
    opt = lg.optim.SGD([theta, b], lr=args.lr, maximize=True)  # ascent: θ += lr · ∇LL

    history = [log_likelihood(x, y, theta, b)]
    print(f"epoch 0: LL(θ) = {history[0]:10.2f}  ({history[0] / len(x):.4f} per example; "
          "θ = 0 gives ŷ = ½ everywhere, LL = N log ½)")  # fmt: skip
    loader = lg.data.DataLoader(x, y, batch_size=args.batch_size, seed=0)
    for epoch in range(1, epochs + 1):
        for xb, yb in loader:
            # The log-likelihood of the batch, written literally (its mean, so that the step
            # size does not depend on the batch size).
            ll = Bernoulli(logits=logits(xb, theta, b)).log_prob(yb).mean()
            opt.zero_grad()
            ll.backward()
            opt.step()
            # What the optimizer just did, by hand, would read:
            #     theta.data += lr * theta.grad;  b.data += lr * b.grad
        history.append(log_likelihood(x, y, theta, b))
        print(f"epoch {epoch}: LL(θ) = {history[-1]:10.2f}  ({history[-1] / len(x):.4f} per "
              "example)")  # fmt: skip

    with lg.no_grad():
        z = logits(x_test, theta, b)
        test_ll = float(Bernoulli(logits=z).log_prob(y_test).mean().item())
    pred = (z.numpy() > 0).astype(np.float32)  # ŷ > ½ exactly when the logit z > 0
    acc = float((pred == y_test).mean())
    base = float(max(y_test.mean(), 1 - y_test.mean()))
    tp = int(((pred == 1) & (y_test == 1)).sum())
    print(
        f"test accuracy {acc:.4f}  (answering 'no' every time scores {base:.4f}); "
        f"test LL per example {test_ll:.4f}"
    )
    print(
        f"found {tp} of the {int(y_test.sum())} test images of class {name!r}, "
        f"with {int(((pred == 1) & (y_test == 0)).sum())} false alarms"
    )
    return {"dataset": ds.name, "train_ll": history, "test_accuracy": acc,
            "baseline_accuracy": base, "test_ll": test_ll}  # fmt: skip


if __name__ == "__main__":
    main()
