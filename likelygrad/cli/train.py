"""`likelygrad train`: data, model and optimizer from the arguments, `fit`, then the outputs."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn, optim
from ..data import Dataset, load_dataset, preprocess
from ..models import build_model, describe, validate_config
from ..random import manual_seed
from ..train import Progress, evaluate, fit, load_checkpoint
from ..train.checkpoint import CheckpointError, default_suffix

DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3, "adamw": 1e-3, "lbfgs": 1.0}


def checked_config(path: Path | str, config: Any, required: Iterable[str]) -> dict[str, Any]:
    """The configuration saved in the checkpoint at `path`; ValueError naming missing keys."""
    if not isinstance(config, dict):
        raise ValueError(f"{path}: not a checkpoint written by likelygrad train: no configuration")
    missing = [k for k in required if k not in config]
    if missing:
        raise ValueError(
            f"{path}: not a checkpoint written by likelygrad train: missing "
            f"{', '.join(missing)} in its configuration"
        )
    try:  # sizes within bounds before any model is built from them
        return validate_config(config)
    except ValueError as e:
        raise CheckpointError(f"{path}: {e}") from None


def check_positive_class(config: dict[str, Any], ds: Dataset) -> None:
    """A Bernoulli model's positive class must be one of the data set's classes."""
    k = config["positive_class"]
    if config["likelihood"] == "bernoulli" and not 0 <= k < ds.num_classes:
        raise ValueError(
            f"the positive class {k} is not a class of {ds.name}: it has {ds.num_classes} "
            f"classes, so --positive-class must be in 0..{ds.num_classes - 1}"
        )


def make_optimizer(config: dict[str, Any], params: list[nn.Parameter]) -> optim.Optimizer:
    """The optimizer named in the config, with its learning rate and weight decay."""
    name, lr, wd = config["optimizer"], config["lr"], config["weight_decay"]
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=config["momentum"], weight_decay=wd)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=wd)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=wd)
    if wd:
        raise ValueError("--weight-decay is not supported with lbfgs")
    return optim.LBFGS(params, lr=lr, max_iter=20, line_search_fn="strong_wolfe")


def targets(config: dict[str, Any], labels: np.ndarray) -> np.ndarray:
    """Class labels, or 1.0 for the positive class and 0.0 otherwise (Bernoulli)."""
    if config["likelihood"] == "bernoulli":
        return (labels == config["positive_class"]).astype(np.float32)
    return labels


def prepare(config: dict[str, Any], ds: Dataset, stats: dict | None = None) -> dict[str, Any]:
    """Features and targets for train/val/test; the validation split is fixed by the seed."""
    n = len(ds.x_train)
    n_val = int(round(config["val_fraction"] * n))
    perm = np.random.default_rng(config["seed"]).permutation(n)
    tr, va = np.sort(perm[n_val:]), np.sort(perm[:n_val])
    x_tr, stats = preprocess(ds.x_train[tr], config["preprocess"], stats)
    out = {"train": (x_tr, targets(config, ds.y_train[tr])), "stats": stats or {}}
    if n_val:
        x_va, _ = preprocess(ds.x_train[va], config["preprocess"], stats)
        out["val"] = (x_va, targets(config, ds.y_train[va]))
    x_te, _ = preprocess(ds.x_test, config["preprocess"], stats)
    out["test"] = (x_te, targets(config, ds.y_test))
    return out


def run(args: argparse.Namespace) -> int:
    config = {k: v for k, v in vars(args).items() if k not in ("command", "resume", "quiet")}
    out = Path(args.out or f"runs/{args.dataset}-{args.model}")
    existing = [out / f"checkpoint{s}" for s in (".safetensors", ".npz")]
    existing = [p for p in existing if p.exists()]
    ckpt = existing[0] if existing else out / f"checkpoint{default_suffix()}"
    if args.resume and ckpt.exists():  # the run's own configuration wins; --epochs may extend it
        needed = [k for k in config if k not in ("out", "no_plots")]
        saved = checked_config(ckpt, load_checkpoint(ckpt)[1].get("config"), needed)
        config = {**saved, "epochs": args.epochs or saved["epochs"], "out": str(out)}
    config["epochs"] = config["epochs"] or 10
    config["lr"] = config["lr"] if config["lr"] is not None else DEFAULT_LR[config["optimizer"]]
    prog = Progress("quiet" if args.quiet else "auto")
    say = prog.message

    ds = load_dataset(config["dataset"], config["data_dir"], verbose=not args.quiet)
    check_positive_class(config, ds)
    config["dataset_loaded"] = ds.name
    data = prepare(config, ds)
    in_features = int(np.prod(ds.image_shape))
    n_out = 1 if config["likelihood"] == "bernoulli" else ds.num_classes
    config.update(in_features=in_features, out_features=n_out, image_shape=list(ds.image_shape))
    manual_seed(config["seed"])
    model = build_model(config, in_features, n_out)
    opt = make_optimizer(config, list(model.parameters()))
    say(f"{ds!r}\nmodel: {describe(config, in_features, n_out)}, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters; {config['optimizer']} "
        f"lr {config['lr']:g}, {config['likelihood']} likelihood")  # fmt: skip
    t0 = time.perf_counter()
    history = fit(
        model, config["likelihood"], opt, data["train"], data.get("val"),
        epochs=config["epochs"], batch_size=config["batch_size"], seed=config["seed"],
        early_stopping=config["early_stopping"] if "val" in data else None, checkpoint=ckpt,
        resume=args.resume, config=config, extra_arrays=data["stats"], progress=prog,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    ev = evaluate(model, config["likelihood"], *data["test"])
    metrics = {
        "dataset": ds.name, "model": describe(config, in_features, n_out),
        "test_accuracy": ev["accuracy"], "test_nll": ev["nll"], "test_ece": ev["ece"],
        "epochs": len(history), "seconds": seconds,
        "best_val_nll": min((r["val_nll"] for r in history if "val_nll" in r), default=None),
    }  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    history.to_csv(out / "history.csv")
    pictures = [] if args.no_plots else _plots(out, config, model, ds, history, ev, say)
    say(f"test accuracy {ev['accuracy']:.4f}, test nll {ev['nll']:.4f} nats/example, "
        f"ECE {ev['ece']:.4f}  ({seconds:.1f} s)")  # fmt: skip
    say(f"wrote {out}/: metrics.json, history.csv, {ckpt.name}" + "".join(
        f", {p.name}" for p in pictures))  # fmt: skip
    return 0


def _plots(out: Path, config, model, ds: Dataset, history, ev, say) -> list[Path]:
    """The pictures of a run, when matplotlib is installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        say("matplotlib is not installed: no plots (pip install 'likelygrad[plot]')")
        return []
    from .. import viz

    names = ds.class_names or tuple(str(i) for i in range(ds.num_classes))
    if config["likelihood"] == "bernoulli":
        k = config["positive_class"]
        names = (f"not {names[k]}", names[k])
    y_test = targets(config, ds.y_test).astype(np.int64)
    paths = [
        viz.plot_history(list(history), out / "curves.png"),
        viz.plot_confusion(y_test, ev["pred"], out / "confusion.png", class_names=names),
        viz.plot_reliability(ev["probs"], y_test, out / "reliability.png"),
        viz.plot_misclassified(
            ds.x_test, y_test, ev["pred"], ev["probs"], out / "misclassified.png", class_names=names
        ),  # fmt: skip
    ]
    if config["model"] == "logreg":
        w = model[0].weight.numpy(force=True)
        shape = tuple(config["image_shape"])
        labels = names if len(w) == len(names) else None
        paths.append(
            viz.plot_weights(w, out / "weights.png", image_shape=shape, class_names=labels)
        )
    return [Path(p) for p in paths]
