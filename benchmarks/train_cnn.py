"""The CNN rows: the same network built in likelygrad and in torch from the shared weights, and
its GEMM floor (only the products of the im2col formulation, into preallocated outputs)."""

from __future__ import annotations

from typing import Any

import numpy as np
from harness import Clock, batch_starts
from workload import gemms


def cnn_layers(nn: Any, spec: dict[str, Any]) -> list[Any]:
    """The benchmark CNN in a torch-like `nn` namespace (likelygrad's or torch's): per block
    conv 3×3 (no padding), ReLU, max-pool 2 (pool first with spec['pool_first']), then the MLP."""
    layers: list[Any] = []
    c_in = 1
    for c in spec["channels"]:
        act, pool = nn.ReLU(), nn.MaxPool2d(2)
        layers += [nn.Conv2d(c_in, c, 3), *((pool, act) if spec["pool_first"] else (act, pool))]
        c_in = c
    layers.append(nn.Flatten())
    dense = spec["sizes"][1:]
    for i, (n_in, n_out) in enumerate(zip(dense[:-1], dense[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(dense) - 2:
            layers.append(nn.ReLU())
    return layers


def cnn_state(layers: list[Any], weights: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    """state_dict entries that put the shared weights into the layers that have them."""
    state, it = {}, iter(weights)
    for i, layer in enumerate(layers):
        if type(layer).__name__ in ("Conv2d", "Linear"):
            state[f"{i}.weight"], state[f"{i}.bias"] = next(it)
    return state


def images(x: np.ndarray) -> np.ndarray:
    """Flat 784-pixel rows as (N, 1, 28, 28) images (a view)."""
    return x.reshape(-1, 1, 28, 28)


def train_cnn_matmul(spec: dict[str, Any], data: dict[str, np.ndarray]):
    """Per batch and layer: Z = A W (forward), dW = Gᵀ A, and dA = G Wᵀ for all but the first,
    with the shapes of the im2col formulation (a conv layer's A has one row per output position
    and 9·C_in columns); A and G are fixed random arrays: no im2col, pooling or activations."""
    batch = spec["batch"]
    rng = np.random.default_rng(0)
    shapes = gemms(spec["sizes"], spec["channels"])

    def arrays(rows: int, k: int, n: int) -> tuple[np.ndarray, ...]:
        m = batch * rows
        a = rng.standard_normal((m, k), dtype=np.float32)
        w = rng.standard_normal((k, n), dtype=np.float32) * 0.01
        g = rng.standard_normal((m, n), dtype=np.float32) * 0.01
        return a, w, g, np.empty((m, n), np.float32), np.empty((n, k), np.float32), np.empty_like(a)

    layers = [arrays(*s) for s in shapes]

    def run(n: int, steps: int | None = None) -> None:
        starts = batch_starts(n, batch)
        for s in starts if steps is None else starts[:steps]:
            m = min(batch, n - s)
            for a, w, _, z, _, _ in layers:
                r = len(a) // batch * m
                np.matmul(a[:r], w, out=z[:r])
            for i, (a, w, g, _, dw, da) in enumerate(layers):
                r = len(a) // batch * m
                np.matmul(g[:r].T, a[:r], out=dw)
                if i > 0:
                    np.matmul(g[:r], w.T, out=da[:r])

    n = len(data["x_train"])
    run(n, spec["warmup"])
    clock = Clock()
    for _ in range(spec["epochs"]):
        with clock:
            run(n)
    return clock, None, {"version": np.__version__}
