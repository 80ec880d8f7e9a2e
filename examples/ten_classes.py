"""Ten classes: the Bernoulli coin becomes a ten-sided die, the Categorical likelihood.

A network now outputs ten logits l_0..l_9 per image and P(Y = k | x) = softmax(l)_k. The log-
likelihood of one example is log softmax(l)_y = l_y - logsumexp(l), and maximum likelihood
maximizes its sum over the training set. Two models are fitted that way:

* multinomial logistic regression: one Linear layer, ten logistic-regression units sharing
  a softmax (l = x Wᵀ + b);
* a multilayer perceptron: a hidden layer of ReLU units in front of that layer.

`lg.train.fit` runs the loop (it minimizes the negative mean log-likelihood, the same optimum);
each epoch line shows the training and held-out NLL in nats per example, the accuracy and the
expected calibration error. Guessing uniformly scores NLL log 10 ≈ 2.303.

    python examples/ten_classes.py                         # MNIST (or its 5,000-digit sample)
    python examples/ten_classes.py --dataset fashion-mnist --epochs 5
"""

from __future__ import annotations

import argparse
import math
import sys

import likelygrad as lg
import likelygrad.nn.functional as F
from likelygrad import nn
from likelygrad.likelihoods import Categorical


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default="mnist", help="mnist, mnist-sample, fashion-mnist, digits")
    p.add_argument("--hidden", type=int, default=128, help="hidden units of the MLP")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument(
        "--weight-decay", type=float, default=0.0,
        help="λ: a Gaussian prior θ ~ N(0, 1/λ) per weight, making the fit MAP, not MLE",
    )  # fmt: skip
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--quick",
        action="store_true",
        help="a tiny run: 2 epochs, ≤ 4,000 examples, ≤ 32 hidden units",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Fit both models with a Categorical likelihood; print and return their test metrics."""
    args = parse_args(argv)
    epochs = 2 if args.quick else args.epochs
    ds = lg.data.load_dataset(args.dataset, download=False)  # "mnist" falls back to the sample
    x_train, stats = lg.data.preprocess(ds.x_train, "standardize")
    x_test, _ = lg.data.preprocess(ds.x_test, "standardize", stats=stats)
    y_train, y_test = ds.y_train, ds.y_test
    hidden = min(args.hidden, 32) if args.quick else args.hidden
    if args.quick:
        x_train, y_train = x_train[:4000], y_train[:4000]
    d, k = x_train.shape[1], ds.num_classes
    print(f"{ds.name}: {len(x_train)} training images, {len(x_test)} test, {k} classes; "
          f"uniform guessing: accuracy {1 / k:.2f}, NLL log {k} = {math.log(k):.3f}")  # fmt: skip

    lg.manual_seed(args.seed)  # the initial weights
    models = {
        "multinomial logistic regression": nn.Linear(d, k),
        f"MLP {d}-{hidden}-{k} (ReLU)": nn.Sequential(
            nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, k)
        ),
    }
    results = {}
    for name, model in models.items():
        print(f"\n{name}: maximize Σ_n log Categorical(y_n; softmax(l(x_n)))")
        opt = lg.optim.SGD(
            model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay
        )
        lg.train.fit(
            model, "categorical", opt, (x_train, y_train), val=(x_test, y_test),
            epochs=epochs, batch_size=args.batch_size, seed=args.seed,
            progress=lg.train.Progress("lines", file=sys.stdout),
        )  # fmt: skip
        ev = lg.train.evaluate(model, "categorical", x_test, y_test)
        results[name] = {"accuracy": ev["accuracy"], "nll": ev["nll"], "ece": ev["ece"]}
        print(f"test accuracy {ev['accuracy']:.4f}, NLL {ev['nll']:.4f} nats per example, "
              f"ECE {ev['ece']:.4f}")  # fmt: skip

    # PyTorch's name for the same number: cross_entropy is minus the mean Categorical
    # log-likelihood of the labels, computed from the logits in log space.
    with lg.no_grad():
        logits = model(lg.tensor(x_test))
        ce = F.cross_entropy(logits, y_test).item()
        ll = Categorical(logits=logits).log_prob(y_test).mean().item()
    print(f"\nF.cross_entropy(logits, y) = {ce:.6f};  -Categorical(logits).log_prob(y).mean() = "
          f"{-ll:.6f}")  # fmt: skip
    print(f"\n{'model':40} {'accuracy':>8} {'NLL':>7} {'ECE':>7}")
    for name, r in results.items():
        print(f"{name:40} {r['accuracy']:8.4f} {r['nll']:7.4f} {r['ece']:7.4f}")
    return {"dataset": ds.name, "models": results, "cross_entropy": ce, "mean_log_prob": ll,
            "uniform_nll": math.log(k), "chance_accuracy": 1 / k,
            "n_train": len(x_train), "n_test": len(x_test)}  # fmt: skip


if __name__ == "__main__":
    main()
