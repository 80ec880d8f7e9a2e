"""The notes' network, exactly: one hidden layer of sigmoid units and one sigmoid output.

    h_j = σ(Σ_i x_i θ_ij^(h))            ŷ = σ(Σ_j h_j θ_j^(y))

No biases, as in the notes (a bias is a weight on an input that is always 1; leaving it out
keeps every equation below identical to the notes'). ŷ = P(Y = 1 | x) is "this digit is a 3",
and θ is fitted by maximizing the Bernoulli log-likelihood of the training set,

    LL(θ) = Σ_n y_n log ŷ_n + (1 - y_n) log(1 - ŷ_n)

(the notes print a "·" between the two terms; it is a "+": log turns the product
ŷ^y (1 - ŷ)^(1-y) into a sum). Its gradient is computed twice: by hand, with the notes' chain
rule in plain NumPy (`manual_gradients`), and by likelygrad's backpropagation
(`autodiff_gradients`). The script prints how far apart they are, then trains by gradient
ascent with either one.

    python examples/notes_network.py                     # check the gradients, then train
    python examples/notes_network.py --gradients hand    # train with the hand-derived ones
"""

from __future__ import annotations

import argparse

import numpy as np

import likelygrad as lg
from likelygrad.likelihoods import Bernoulli


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + e^-a), written as exp(-log(1 + e^-a)) so that no e^-a overflows."""
    return np.exp(-np.logaddexp(0.0, -a))


def forward(x: np.ndarray, theta_h: np.ndarray, theta_y: np.ndarray):
    """h (N, H) and ŷ (N,) for inputs x (N, D), θ^(h) (D, H) and θ^(y) (H,)."""
    h = sigmoid(x @ theta_h)  # h_j = σ(Σ_i x_i θ_ij^(h)), one row per example
    y_hat = sigmoid(h @ theta_y)  # ŷ = σ(Σ_j h_j θ_j^(y))
    return h, y_hat


def manual_gradients(x: np.ndarray, y: np.ndarray, theta_h: np.ndarray, theta_y: np.ndarray):
    """∂LL/∂θ^(h) (D, H) and ∂LL/∂θ^(y) (H,), by the notes' chain rule, summed over examples.

        ∂LL/∂θ_ij^(h) = Σ_n ∂LL/∂ŷ · ∂ŷ/∂h_j · ∂h_j/∂θ_ij^(h)
        ∂LL/∂θ_j^(y)  = Σ_n ∂LL/∂ŷ · ∂ŷ/∂θ_j^(y)

    The derivative of a sum is the sum of the derivatives, so each example is differentiated
    on its own and the results are added (the Σ_n).
    """
    h, y_hat = forward(x, theta_h, theta_y)
    # LL_n = y log ŷ + (1 - y) log(1 - ŷ)  ⇒  ∂LL/∂ŷ = y/ŷ - (1 - y)/(1 - ŷ)
    dLL_dyhat = y / y_hat - (1 - y) / (1 - y_hat)  # (N,)
    # ŷ = σ(z) with z = Σ_j h_j θ_j^(y), and σ'(z) = σ(z)(1 - σ(z)). In ∂z/∂h_j the sum
    # collapses (the notes' "important trick"): only the term h_j θ_j^(y) depends on h_j, so
    # ∂z/∂h_j = θ_j^(y) and ∂z/∂θ_j^(y) = h_j.
    dyhat_dz = y_hat * (1 - y_hat)  # (N,)
    dyhat_dh = dyhat_dz[:, None] * theta_y[None, :]  # ∂ŷ/∂h_j = ŷ(1 - ŷ) θ_j^(y), (N, H)
    dyhat_dthetay = dyhat_dz[:, None] * h  # ∂ŷ/∂θ_j^(y) = ŷ(1 - ŷ) h_j, (N, H)
    # h_j = σ(Σ_i x_i θ_ij^(h))  ⇒  ∂h_j/∂θ_ij^(h) = h_j (1 - h_j) x_i: a factor h_j(1 - h_j)
    # that depends on (n, j) and a factor x_i that depends on (n, i).
    dh_da = h * (1 - h)  # (N, H)
    # The index expressions of the formulas above, summed over the examples n:
    g_h = np.einsum("n,nj,nj,ni->ij", dLL_dyhat, dyhat_dh, dh_da, x, optimize=True)
    g_y = np.einsum("n,nj->j", dLL_dyhat, dyhat_dthetay)
    return g_h, g_y


def manual_gradients_from_logit(
    x: np.ndarray, y: np.ndarray, theta_h: np.ndarray, theta_y: np.ndarray
):
    """The same gradients with the first two factors multiplied out.

    For the output's logit z = Σ_j h_j θ_j^(y):
        ∂LL/∂z = ∂LL/∂ŷ · ∂ŷ/∂z = (y/ŷ - (1 - y)/(1 - ŷ)) · ŷ(1 - ŷ)
               = y(1 - ŷ) - (1 - y)ŷ = y - ŷ,
    the error of the prediction. No division by ŷ or 1 - ŷ is left, so this form stays exact
    when ŷ rounds to 0 or 1, where y/ŷ - (1 - y)/(1 - ŷ) would give inf·0 = nan. It is what
    `Bernoulli(logits=z).log_prob(y)` differentiates to (d/dz = y - σ(z)).
    """
    h, y_hat = forward(x, theta_h, theta_y)
    dLL_dz = y - y_hat  # (N,)
    g_y = h.T @ dLL_dz
    dLL_da = dLL_dz[:, None] * theta_y[None, :] * h * (1 - h)  # a_j = Σ_i x_i θ_ij^(h)
    g_h = x.T @ dLL_da
    return g_h, g_y


def autodiff_gradients(x: np.ndarray, y: np.ndarray, theta_h: np.ndarray, theta_y: np.ndarray):
    """The same two gradients, by building LL(θ) with likelygrad and calling backward()."""
    th = lg.tensor(theta_h, requires_grad=True)  # tensor() copies and keeps float64 as float64
    ty = lg.tensor(theta_y, requires_grad=True)
    h = (lg.tensor(x) @ th).sigmoid()
    z = h @ ty  # the logit of ŷ; Bernoulli works from it, in log space
    ll = Bernoulli(logits=z).log_prob(y).sum()
    ll.backward()
    return th.grad.numpy(), ty.grad.numpy()


def log_likelihood(x: np.ndarray, y: np.ndarray, theta_h: np.ndarray, theta_y: np.ndarray):
    """LL(θ) = Σ_n log p(y_n | x_n; θ), from the logit (log σ(z) = -softplus(-z))."""
    z = sigmoid(x @ theta_h) @ theta_y
    return float(np.sum(y * z - np.logaddexp(0.0, z)))


def max_difference(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> tuple[float, float]:
    """Largest absolute difference over all entries, and the same relative to max |b|."""
    diff = max(float(np.abs(p - q).max()) for p, q in zip(a, b))
    scale = max(float(np.abs(q).max()) for q in b)
    return diff, diff / scale


def load(name: str, positive: int, max_train: int | None = None):
    """Pixels in [0, 1] as float64 (N, H·W); labels 1.0 for class `positive`, else 0.0."""
    ds = lg.data.load_dataset(name, download=False)  # "mnist" falls back to "mnist-sample"
    x_train = lg.data.to_float(ds.x_train).astype(np.float64)
    x_test = lg.data.to_float(ds.x_test).astype(np.float64)
    y_train = (ds.y_train == positive).astype(np.float64)
    y_test = (ds.y_test == positive).astype(np.float64)
    if max_train is not None:
        x_train, y_train = x_train[:max_train], y_train[:max_train]
    return ds, x_train, y_train, x_test, y_test


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default="mnist", help="mnist, mnist-sample, fashion-mnist, digits")
    p.add_argument("--positive", type=int, default=3, help="the class ŷ = P(Y = 1) is about")
    p.add_argument("--hidden", type=int, default=32, help="number of hidden units h_j")
    p.add_argument("--gradients", choices=["autodiff", "hand"], default="autodiff")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="a tiny run (2 epochs, ≤ 4,000 examples)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Compare hand and automatic gradients on a real batch, then train; return the numbers."""
    args = parse_args(argv)
    epochs = 2 if args.quick else args.epochs
    ds, x, y, x_test, y_test = load(args.dataset, args.positive, 4000 if args.quick else None)
    d, k = x.shape[1], args.hidden
    print(
        f"{ds.name}: {len(x)} training images, {len(x_test)} test; y = 1 for class "
        f"{ds.class_names[args.positive]!r}; network {d} → {k} sigmoid units → 1, no biases"
    )

    rng = np.random.default_rng(args.seed)
    # Small random weights (uniform, ±1/√fan-in) so that the hidden units start out different.
    theta_h = rng.uniform(-1, 1, (d, k)) / np.sqrt(d)
    theta_y = rng.uniform(-1, 1, k) / np.sqrt(k)

    xb, yb = x[:256], y[:256]
    hand = manual_gradients(xb, yb, theta_h, theta_y)
    collapsed = manual_gradients_from_logit(xb, yb, theta_h, theta_y)
    auto = autodiff_gradients(xb, yb, theta_h, theta_y)
    diff, rel = max_difference(hand, auto)
    diff_collapsed, _ = max_difference(collapsed, auto)
    print(
        f"gradients of LL on {len(xb)} training images, float64: max |hand - autodiff| = "
        f"{diff:.2e} (relative {rel:.2e}); with ∂LL/∂z = y - ŷ: {diff_collapsed:.2e}"
    )

    # Gradient ascent, θ ← θ + lr · ∇LL, by the optimizer (maximize=True); both gradient
    # routes only fill in .grad, with the batch's mean so the step ignores the batch size.
    params = [lg.tensor(theta_h, requires_grad=True), lg.tensor(theta_y, requires_grad=True)]
    opt = lg.optim.SGD(params, lr=args.lr, maximize=True)
    grad_fn = autodiff_gradients if args.gradients == "autodiff" else manual_gradients
    lls = [log_likelihood(x, y, *(p.numpy() for p in params))]
    print(f"training with {args.gradients} gradients; epoch 0: LL(θ) = {lls[0]:.2f}")
    loader = lg.data.DataLoader(x, y, batch_size=args.batch_size, seed=args.seed)
    for epoch in range(1, epochs + 1):
        for xb, yb in loader:
            grads = grad_fn(xb, yb, *(p.numpy() for p in params))
            for p, g in zip(params, grads):
                p.grad = lg.from_numpy(g / len(xb))
            opt.step()
        lls.append(log_likelihood(x, y, *(p.numpy() for p in params)))
        _, y_hat = forward(x_test, *(p.numpy() for p in params))
        acc = float(((y_hat > 0.5) == (y_test == 1)).mean())
        print(f"epoch {epoch}: LL(θ) = {lls[-1]:9.2f} ({lls[-1] / len(x):.4f} per example), "
              f"test accuracy {acc:.4f}")  # fmt: skip
    _, y_hat = forward(x_test, *(p.numpy() for p in params))
    acc = float(((y_hat > 0.5) == (y_test == 1)).mean())
    test_ll = log_likelihood(x_test, y_test, *(p.numpy() for p in params)) / len(x_test)
    base = float(max(y_test.mean(), 1 - y_test.mean()))
    print(
        f"test accuracy {acc:.4f} (always answering 'no': {base:.4f}); "
        f"test LL per example {test_ll:.4f}"
    )
    return {"dataset": ds.name, "max_abs_diff": diff, "max_rel_diff": rel,
            "collapsed_diff": diff_collapsed, "train_ll": lls, "test_accuracy": acc,
            "baseline_accuracy": base, "test_ll": test_ll}  # fmt: skip


if __name__ == "__main__":
    main()
