"""PyTorch's row: the idiomatic torch.nn / torch.optim loop."""

from __future__ import annotations

from typing import Any

import numpy as np
from harness import EVAL_ROWS, Clock, batch_starts, load_weights
from train_cnn import cnn_layers, cnn_state, images


def train_torch(spec: dict[str, Any], data: dict[str, np.ndarray]):
    import torch

    torch.set_num_threads(spec["threads"])
    F = torch.nn.functional
    act = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}.get(spec["activation"])
    sizes, layers, state = spec["sizes"], [], {}
    weights = load_weights(spec["data_dir"], spec["model"])
    cnn = bool(spec.get("channels"))
    if cnn:  # the CNN rows
        layers = cnn_layers(torch.nn, spec)
        state = {k: torch.from_numpy(v) for k, v in cnn_state(layers, weights).items()}
    for i, (W, b) in enumerate([] if cnn else weights):
        state[f"{len(layers)}.weight"] = torch.from_numpy(W)
        state[f"{len(layers)}.bias"] = torch.from_numpy(b)
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    model = torch.nn.Sequential(*layers)
    model.load_state_dict(state)
    as_input = images if cnn else (lambda a: a)
    x, y = torch.from_numpy(as_input(data["x_train"])), torch.from_numpy(data["y_train"])
    lr, batch = spec["lr"], spec["batch"]

    def run(opt: Any, perm: Any, steps: int | None = None) -> None:
        starts = batch_starts(len(perm), batch)
        for s in starts if steps is None else starts[:steps]:
            idx = perm[s : s + batch]
            xb, yb = x[idx], y[idx]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()

    perms = [torch.from_numpy(p) for p in data["perms"][: spec["epochs"]]]
    run(
        torch.optim.SGD(model.parameters(), lr=lr, momentum=spec["momentum"]),
        perms[0],
        spec["warmup"],
    )
    model.load_state_dict(state)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=spec["momentum"])
    clock = Clock()
    for perm in perms:
        with clock:
            run(opt, perm)
    xt, yt, correct = torch.from_numpy(as_input(data["x_test"])), data["y_test"], 0
    with torch.no_grad():
        for i in range(0, len(xt), EVAL_ROWS):
            pred = model(xt[i : i + EVAL_ROWS]).argmax(dim=1).numpy()
            correct += int((pred == yt[i : i + EVAL_ROWS]).sum())
    info = {
        "version": torch.__version__,
        "num_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "blas": _torch_blas(torch.__config__.show()),
    }
    return clock, correct / len(yt), info


def _torch_blas(config: str) -> str:
    """'MKL 2024.2, oneDNN v3.x' from torch.__config__.show()."""
    parts = []
    for line in config.splitlines():
        line = line.strip(" -")
        if "Math Kernel Library Version" in line:
            parts.append("MKL " + line.split("Version")[1].split("-")[0].strip())
        elif line.startswith("Intel(R) MKL-DNN"):
            parts.append("oneDNN " + line.split()[2])
        elif line.startswith("OpenBLAS"):
            parts.append(line)
    return ", ".join(parts) or "unknown"
