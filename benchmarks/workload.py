"""What every framework trains on: the model, its initial weights, the data and the order.

`prepare_data` and `write_weights` write the arrays once into a folder; every measurement
process reads them from there (`harness.load_data`, `harness.load_weights`), so all frameworks
start from the same numbers.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from machine import ROOT

# ---- models and work --------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """An MLP: layer sizes and the hidden activation ('relu', 'sigmoid', or None for 784-10).

    With `channels`, a CNN on 28×28 images: per channel count a block of a 3×3 convolution
    (no padding), the activation and a 2×2 max-pool (`pool_first`: pool, then activation, the
    same function), then the MLP of `sizes` from the flattened maps (sizes[1]) on.
    """

    sizes: tuple[int, ...]
    activation: str | None
    channels: tuple[int, ...] = ()
    pool_first: bool = False

    @property
    def name(self) -> str:
        if self.channels:
            order = "-poolfirst" if self.pool_first else ""
            return "cnn-" + "-".join(map(str, (*self.channels, *self.sizes[2:-1]))) + order
        return "-".join(map(str, self.sizes)) + (f"-{self.activation}" if self.activation else "")

    @property
    def label(self) -> str:
        sizes = "-".join(map(str, self.sizes))
        if self.channels:
            order = "pool-relu" if self.pool_first else "relu-pool"
            dense = "-".join(map(str, self.sizes[1:]))
            return f"cnn {'-'.join(map(str, self.channels))} ({order}), {dense}"
        return f"{sizes} {self.activation}" if self.activation else f"{sizes} logistic"


def conv_layers(channels: Sequence[int], side: int = 28) -> tuple[list[tuple[int, ...]], int]:
    """[(output positions, input channels, output channels) per 3×3 conv], and the number of
    features after the last block (each conv loses a border of 1, each pool halves)."""
    layers, c_in = [], 1
    for c in channels:
        side = max(side - 2, 0)
        layers.append((side * side, c_in, c))
        side, c_in = side // 2, c
    return layers, side * side * c_in


def parse_model(text: str) -> Model:
    """'784-256-10:relu' → Model((784, 256, 10), 'relu'); '784-10' is logistic regression;
    'cnn' is the benchmark CNN (conv 1→32, pool, conv 32→64, pool, 1600-128-10, relu), and
    'cnn-C1-C2-H' sizes one ('cnn-...:pool-relu' pools before the activation)."""
    head, _, act = text.partition(":")
    if head == "cnn" or head.startswith("cnn-"):
        if act not in ("", "pool-relu"):
            raise ValueError(f"model {text!r}: a cnn takes ':pool-relu' or nothing")
        try:
            widths = tuple(int(s) for s in head.split("-")[1:]) or (32, 64, 128)
        except ValueError:
            raise ValueError(f"model {text!r}: sizes must be integers like cnn-32-64-128") from None
        if len(widths) < 2 or min(widths) < 1:
            raise ValueError(f"model {text!r}: give conv channels and a hidden size")
        channels, hidden = widths[:-1], widths[-1]
        _, flat = conv_layers(channels)
        if flat < 1:
            raise ValueError(f"model {text!r}: too many conv blocks for 28×28 images")
        return Model((784, flat, hidden, 10), "relu", channels, act == "pool-relu")
    try:
        sizes = tuple(int(s) for s in head.split("-"))
    except ValueError:
        raise ValueError(f"model {text!r}: sizes must be integers like 784-256-10") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"model {text!r}: give at least input and output sizes, e.g. 784-10")
    if len(sizes) > 2 and act not in ("relu", "sigmoid"):
        raise ValueError(f"model {text!r}: a hidden layer needs ':relu' or ':sigmoid'")
    if len(sizes) == 2 and act:
        raise ValueError(f"model {text!r}: without a hidden layer there is no activation")
    return Model(sizes, act or None)


def gemms(sizes: Sequence[int], channels: Sequence[int] = ()) -> list[tuple[int, int, int]]:
    """(rows per example, inner size, output size) of each layer's forward GEMM: a Linear
    layer is one row, in → out; a conv layer one row per output position, 9·C_in → C_out (the
    unfolded input times the filters). A CNN's first Linear layer reads the flattened maps."""
    convs, _ = conv_layers(channels)
    layers = [(p, 9 * c_in, c_out) for p, c_in, c_out in convs]
    dense = sizes[1:] if channels else sizes
    return layers + [(1, a, b) for a, b in zip(dense[:-1], dense[1:])]


def flops_per_example(sizes: Sequence[int], channels: Sequence[int] = ()) -> int:
    """Multiply-add FLOPs (2 per MAC) of one example's training step, GEMMs only.

    Forward 2·rows·in·out per layer; backward twice that (dW and dX), less the input gradient
    of the first layer, which nobody needs.
    """
    layers = [2 * r * k * n for r, k, n in gemms(sizes, channels)]
    return sum(layers) * 3 - layers[0]


# ---- the shared inputs ------------------------------------------------------------------------


def prepare_data(
    kind: str, folder: Path, train_size: int | None, test_size: int | None, epochs: int, seed: int
) -> dict[str, Any]:
    """Write x/y train/test (float32, int64) and one permutation per epoch into `folder`."""
    arrays, name = None, "generated"
    if kind in ("auto", "fashion-mnist"):
        arrays = _fashion_mnist()
        if arrays is None and kind == "fashion-mnist":
            raise SystemExit("--data fashion-mnist: the data set is not on disk (see --data)")
        name = "fashion-mnist" if arrays is not None else name
    if arrays is None:
        arrays = _generated(train_size or 60000, test_size or 10000, seed)
    x_train, y_train, x_test, y_test = arrays
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_test, y_test = x_test[:test_size], y_test[:test_size]
    perms = np.stack(
        [np.random.default_rng([seed, e]).permutation(len(x_train)) for e in range(epochs)]
    )
    for key, value in (
        ("x_train", x_train),
        ("y_train", y_train),
        ("x_test", x_test),
        ("y_test", y_test),
        ("perms", perms),
    ):
        np.save(folder / f"{key}.npy", np.ascontiguousarray(value))
    return {
        "name": name,
        "train": len(x_train),
        "test": len(x_test),
        "features": x_train.shape[1],
        "classes": int(y_train.max()) + 1,
    }


def _fashion_mnist() -> tuple[np.ndarray, ...] | None:
    """Standardized Fashion-MNIST (one global mean and std from the training set), or None."""
    sys.path.insert(0, str(ROOT))
    from likelygrad.data import load_dataset, standardize

    try:
        ds = load_dataset("fashion-mnist", download=False, verbose=False)
    except FileNotFoundError:
        return None
    x_train, x_test = standardize(ds.x_train, ds.x_test)
    return x_train, ds.y_train.astype(np.int64), x_test, ds.y_test.astype(np.int64)


def _generated(n_train: int, n_test: int, seed: int) -> tuple[np.ndarray, ...]:
    """Ten Gaussian classes in 784 dimensions: x = N(0, I) + 0.1·μ_y with μ_y ~ N(0, I).

    The class means lie ~4 noise standard deviations apart: a linear model reaches roughly
    90%, so a wrong gradient shows in the accuracy.
    """
    rng = np.random.default_rng([seed, 7])
    means = rng.standard_normal((10, 784), dtype=np.float32) * np.float32(0.1)
    out = []
    for n in (n_train, n_test):
        y = rng.integers(0, 10, n)
        x = rng.standard_normal((n, 784), dtype=np.float32)
        x += means[y]
        out += [x, y.astype(np.int64)]
    return tuple(out)


def write_weights(model: Model, folder: Path, seed: int) -> None:
    """PyTorch's default init, U(-1/√fan_in, 1/√fan_in) for W (out, in[, 3, 3]) and b, drawn
    once: W0, b0, W1, ... layer by layer, convolutions first."""
    rng = np.random.default_rng([seed, zlib.crc32(model.name.encode())])
    convs, _ = conv_layers(model.channels)
    shapes = [(c_out, c_in, 3, 3) for _, c_in, c_out in convs]
    dense = model.sizes[1:] if model.channels else model.sizes
    shapes += [(n_out, n_in) for n_in, n_out in zip(dense[:-1], dense[1:])]
    arrays = {}
    for i, shape in enumerate(shapes):
        bound = 1 / np.sqrt(int(np.prod(shape[1:])))
        arrays[f"W{i}"] = rng.uniform(-bound, bound, shape).astype(np.float32)
        arrays[f"b{i}"] = rng.uniform(-bound, bound, shape[0]).astype(np.float32)
    np.savez(folder / f"weights-{model.name}.npz", **arrays)
