"""`likelygrad eval`, `predict` and `info`."""

from __future__ import annotations

import argparse
import platform
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..data import find_dataset, list_datasets, load_dataset, preprocess, read_idx
from ..models import build_model
from ..train import as_likelihood, evaluate, load_checkpoint
from ..train.checkpoint import split_prefix
from ..train.loop import restore_training_state
from .config import checked_config, trained_on
from .images import read_png
from .train import check_positive_class, prepare

# what eval and predict read from a checkpoint's configuration (build_model has defaults)
MODEL_KEYS = ("dataset", "likelihood", "positive_class", "preprocess", "seed", "in_features",
              "out_features", "image_shape")  # fmt: skip


def load_model(path: str) -> tuple[Any, dict[str, Any], dict[str, np.ndarray]]:
    """(model, config, preprocessing stats) from a checkpoint written by `train`."""
    arrays, meta = load_checkpoint(path)
    config = checked_config(path, meta.get("config"), MODEL_KEYS)
    model = build_model(config, config["in_features"], config["out_features"])
    try:
        restore_training_state(arrays, {}, model)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    return model.eval(), config, split_prefix(arrays, "extra")


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate a checkpoint on a test split; print accuracy, NLL and ECE."""
    model, config, stats = load_model(args.checkpoint)
    own = trained_on(config)
    ds = load_dataset(args.dataset or own, args.data_dir or config.get("data_dir"))
    if ds.name != own:
        warnings.warn(
            f"{args.checkpoint} was trained on {own}: evaluating it on {ds.name}'s test split",
            stacklevel=1,
        )
    if tuple(ds.image_shape) != tuple(config["image_shape"]):
        raise ValueError(
            f"{ds.name} has {ds.image_shape} images but the model was trained on "
            f"{tuple(config['image_shape'])}"
        )
    check_positive_class(config, ds)
    ev = evaluate(model, config["likelihood"], *prepare({**config, "val_fraction": 0}, ds,
                                                       stats or None)["test"])  # fmt: skip
    print(f"{ds.name} test set ({len(ds.x_test)} examples): accuracy {ev['accuracy']:.4f}, "
          f"nll {ev['nll']:.4f} nats/example, ECE {ev['ece']:.4f}")  # fmt: skip
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Print the most likely classes of each image in a PNG or IDX file."""
    model, config, stats = load_model(args.checkpoint)
    shape = tuple(config["image_shape"])
    path = Path(args.file)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() == ".png":
        images = read_png(path, shape, note=lambda text: print(text, file=sys.stderr))
    else:
        images = read_idx(path)
        if images.dtype != np.uint8 and images.dtype.kind != "f":
            raise ValueError(
                f"{path}: the IDX file holds {images.dtype} values; predict takes uint8 pixels "
                "0..255, as MNIST's files hold them (or floats already scaled to [0, 1])"
            )
        images = images[None] if images.ndim == len(shape) else images
        if tuple(images.shape[1:]) != shape:
            raise ValueError(f"{path}: images of shape {images.shape[1:]}, the model takes {shape}")
    x, _ = preprocess(images, config["preprocess"], stats or None)
    from ..autograd import no_grad
    from ..creation import from_numpy

    with no_grad():
        probs = as_likelihood(config["likelihood"])(model(from_numpy(x))).probs.numpy()
    if probs.ndim == 1:  # Bernoulli: P(positive class)
        probs = np.stack([1 - probs, probs], axis=1)
        names = [f"not {config['positive_class']}", str(config["positive_class"])]
    else:
        names = [str(i) for i in range(probs.shape[1])]
    for i, p in enumerate(probs):
        top = np.argsort(-p)[: args.top]
        best = ", ".join(f"{names[k]}: {p[k]:.4f}" for k in top)
        print(f"{path.name}[{i}]: predicted {names[top[0]]}  ({best})")
        print("  " + " ".join(f"{n}={v:.3f}" for n, v in zip(names, p)))
    return 0


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def blas_info() -> str:
    """The BLAS NumPy uses: from threadpoolctl if installed, else NumPy's build config."""
    try:
        from threadpoolctl import threadpool_info

        rows = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if rows:
            r = rows[0]
            return (f"{r.get('internal_api')} {r.get('version')} ({r.get('architecture')}, "
                    f"{r.get('num_threads')} threads)")  # fmt: skip
    except ImportError:
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')} (install threadpoolctl for details)"
    except Exception:  # older NumPy: no dict mode
        return "unknown (install threadpoolctl)"


def run_info(args: argparse.Namespace) -> int:
    """Print versions, the BLAS, and where each data set was found."""
    print(f"likelygrad {__version__}, Python {platform.python_version()}, NumPy {np.__version__}")
    print(f"BLAS: {blas_info()}")
    extras = ("tqdm", "matplotlib", "safetensors", "scikit-learn", "mlxtend", "torch")
    print("optional: " + ", ".join(f"{d} {_version(d)}" for d in extras))
    print("datasets:")
    for name in list_datasets():
        loc = find_dataset(name)
        where = str(loc.files[0].parent if loc.files else loc.folder) if loc.found else None
        print(f"  {name:14} " + (f"found: {where}" if where else "not found locally"))
    return 0
