"""likelygrad's two rows: the loop a user writes, and the same training through `fit`."""

from __future__ import annotations

from typing import Any

import numpy as np
from harness import EVAL_ROWS, Clock, batch_starts, load_weights
from train_cnn import cnn_layers, cnn_state, images

# ---- likelygrad: the loop a user writes ---------------------------------------------------------


def _likelygrad_model(spec: dict[str, Any], weights: list) -> Any:
    from likelygrad import nn

    if spec.get("channels"):  # the CNN rows
        layers = cnn_layers(nn, spec)
        model, state = nn.Sequential(*layers), cnn_state(layers, weights)
        model.load_state_dict(state)
        return model, state
    act = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}.get(spec["activation"])
    sizes, layers, state = spec["sizes"], [], {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        state[f"{len(layers)}.weight"], state[f"{len(layers)}.bias"] = weights[i]
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(act())
    model = nn.Sequential(*layers)
    model.load_state_dict(state)
    return model, state


def train_likelygrad(spec: dict[str, Any], data: dict[str, np.ndarray]):
    """model(lg.from_numpy(xb)) → F.cross_entropy → zero_grad → backward → SGD step, per batch."""
    import likelygrad as lg
    from likelygrad import nn, optim

    F = nn.functional
    model, state = _likelygrad_model(spec, load_weights(spec["data_dir"], spec["model"]))
    x, y, lr, batch = data["x_train"], data["y_train"], spec["lr"], spec["batch"]
    x = images(x) if spec.get("channels") else x

    def run(opt: Any, perm: np.ndarray, steps: int | None = None) -> None:
        starts = batch_starts(len(perm), batch)
        for s in starts if steps is None else starts[:steps]:
            idx = perm[s : s + batch]
            xb, yb = x[idx], y[idx]
            loss = F.cross_entropy(model(lg.from_numpy(xb)), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()

    run(
        optim.SGD(model.parameters(), lr=lr, momentum=spec["momentum"]),
        data["perms"][0],
        spec["warmup"],
    )
    model.load_state_dict(state)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=spec["momentum"])
    clock = Clock()
    for perm in data["perms"][: spec["epochs"]]:
        with clock:
            run(opt, perm)
    return clock, _likelygrad_accuracy(model, data, spec), {"version": lg.__version__}


def _likelygrad_accuracy(model: Any, data: dict[str, np.ndarray], spec: dict[str, Any]) -> float:
    import likelygrad as lg

    x, y, correct = data["x_test"], data["y_test"], 0
    x = images(x) if spec.get("channels") else x
    with lg.no_grad():
        for i in range(0, len(x), EVAL_ROWS):
            out = model(lg.from_numpy(x[i : i + EVAL_ROWS]))
            correct += int((out.argmax(dim=1).numpy() == y[i : i + EVAL_ROWS]).sum())
    return correct / len(x)


def train_likelygrad_fit(spec: dict[str, Any], data: dict[str, np.ndarray]):
    """`likelygrad.train.fit`, fed the shared permutations through a DataLoader subclass."""
    import likelygrad as lg
    from likelygrad import optim
    from likelygrad.data import DataLoader
    from likelygrad.train import fit

    perms = data["perms"]

    class SharedOrder(DataLoader):
        def order(self, epoch: int) -> np.ndarray:
            return perms[epoch]

    model, state = _likelygrad_model(spec, load_weights(spec["data_dir"], spec["model"]))
    x, y, lr, batch = data["x_train"], data["y_train"], spec["lr"], spec["batch"]
    x = images(x) if spec.get("channels") else x
    warm = perms[0][: spec["warmup"] * batch]
    opt = optim.SGD(model.parameters(), lr=lr, momentum=spec["momentum"])
    fit(
        model,
        "categorical",
        opt,
        SharedOrder(x[warm], y[warm], batch, shuffle=False),
        epochs=1,
        progress="quiet",
    )
    model.load_state_dict(state)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=spec["momentum"])
    loader = SharedOrder(x, y, batch, shuffle=True)
    clock = Clock()
    with clock:  # the whole call, shared out evenly over its epochs
        fit(model, "categorical", opt, loader, epochs=spec["epochs"], progress="quiet")
    n = spec["epochs"]
    clock.wall, clock.cpu = [clock.wall[0] / n] * n, [clock.cpu[0] / n] * n
    return clock, _likelygrad_accuracy(model, data, spec), {"version": lg.__version__}
