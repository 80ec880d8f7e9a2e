"""The two floors, in NumPy alone: hand-written backprop, and only an epoch's matmuls."""

from __future__ import annotations

from typing import Any

import numpy as np
from harness import EVAL_ROWS, Clock, batch_starts, load_weights

# ---- hand-written NumPy: the practical floor for a NumPy library ---------------------------------


def train_numpy(spec: dict[str, Any], data: dict[str, np.ndarray]):
    """Forward, softmax-cross-entropy gradient (softmax − onehot)/B, manual backward, in-place
    momentum SGD; float32 throughout, no autograd and no per-op Python objects."""
    weights = load_weights(spec["data_dir"], spec["model"])
    x, y = data["x_train"], data["y_train"]
    lr, mu, batch, act = spec["lr"], spec["momentum"], spec["batch"], spec["activation"]
    f32 = np.float32

    def reset() -> tuple[list[np.ndarray], ...]:
        Ws = [W.copy() for W, _ in weights]
        bs = [b.copy() for _, b in weights]
        return Ws, bs, [np.zeros_like(W) for W in Ws], [np.zeros_like(b) for b in bs]

    tmp = [(np.empty_like(W), np.empty_like(b)) for W, b in weights]  # for lr·b

    def forward(Ws: list, bs: list, xb: np.ndarray) -> list[np.ndarray]:
        acts = [xb]
        for i, (W, b) in enumerate(zip(Ws, bs)):
            z = acts[-1] @ W.T
            z += b
            if i < len(Ws) - 1:
                if act == "relu":
                    np.maximum(z, 0, out=z)
                else:  # σ(z) = 1 / (1 + e^-z), in place (e^-z = inf gives exactly 0)
                    np.negative(z, out=z)
                    np.exp(z, out=z)
                    z += 1
                    np.reciprocal(z, out=z)
            acts.append(z)
        return acts

    def run(params: tuple, perm: np.ndarray, steps: int | None = None) -> None:
        Ws, bs, vWs, vbs = params
        starts = batch_starts(len(perm), batch)
        for s in starts if steps is None else starts[:steps]:
            idx = perm[s : s + batch]
            xb, yb = x[idx], y[idx]
            acts = forward(Ws, bs, xb)
            g = acts.pop()  # logits → softmax → (softmax - onehot) / B, in place
            g -= g.max(axis=1, keepdims=True)
            np.exp(g, out=g)
            g /= g.sum(axis=1, keepdims=True)
            g[np.arange(len(yb)), yb] -= 1
            g *= f32(1 / len(yb))
            for i in range(len(Ws) - 1, -1, -1):
                a = acts[i]
                gW = g.T @ a
                gb = g.sum(axis=0)
                if i > 0:  # dX for every layer but the first, then the activation's derivative
                    g = g @ Ws[i]
                    if act == "relu":
                        g *= a > 0
                    else:
                        g *= a * (1 - a)
                for p, v, grad, t in zip((Ws[i], bs[i]), (vWs[i], vbs[i]), (gW, gb), tmp[i]):
                    v *= f32(mu)  # torch's rule: b = μb + g (b starts at 0, so b₁ = g₁)
                    v += grad
                    p -= np.multiply(v, f32(lr), out=t)  # θ -= lr·b

    with np.errstate(over="ignore"):  # e^-z overflows to inf for z < -88: σ = 0, as intended
        run(reset(), data["perms"][0], spec["warmup"])
        params = reset()
        clock = Clock()
        for perm in data["perms"][: spec["epochs"]]:
            with clock:
                run(params, perm)
        xt, yt, correct = data["x_test"], data["y_test"], 0
        for i in range(0, len(xt), EVAL_ROWS):
            logits = forward(params[0], params[1], xt[i : i + EVAL_ROWS])[-1]
            correct += int((logits.argmax(axis=1) == yt[i : i + EVAL_ROWS]).sum())
    return clock, correct / len(yt), {"version": np.__version__}


# ---- the matmul floor: exactly an epoch's GEMMs, nothing else -----------------------------------


def train_matmul(spec: dict[str, Any], data: dict[str, np.ndarray]):
    """Per batch and layer: Z = A Wᵀ (forward), dW = Gᵀ A, and dX = G W for all but the first
    layer; same shapes and layout as the real step, into preallocated outputs. The batches are
    contiguous slices (no gather), G is a fixed random array; no elementwise work at all."""
    weights = [W for W, _ in load_weights(spec["data_dir"], spec["model"])]
    x, batch = data["x_train"], spec["batch"]
    rng = np.random.default_rng(0)
    Z = [np.empty((batch, W.shape[0]), np.float32) for W in weights]
    G = [rng.standard_normal((batch, W.shape[0]), dtype=np.float32) * 0.01 for W in weights]
    dW = [np.empty_like(W) for W in weights]
    dX = [np.empty((batch, W.shape[1]), np.float32) for W in weights]

    def run(n: int, steps: int | None = None) -> None:
        starts = batch_starts(n, batch)
        for s in starts if steps is None else starts[:steps]:
            a = x[s : s + batch]
            m = len(a)
            for i, W in enumerate(weights):
                np.matmul(a, W.T, out=Z[i][:m])
                a = Z[i][:m]
            for i in range(len(weights) - 1, -1, -1):
                inp = x[s : s + m] if i == 0 else Z[i - 1][:m]
                np.matmul(G[i][:m].T, inp, out=dW[i])
                if i > 0:
                    np.matmul(G[i][:m], weights[i], out=dX[i][:m])

    run(len(x), spec["warmup"])
    clock = Clock()
    for _ in range(spec["epochs"]):
        with clock:
            run(len(x))
    return clock, None, {"version": np.__version__}
