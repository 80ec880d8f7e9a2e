"""`likelygrad train`: data, model and optimizer from the arguments, `fit`, then the outputs."""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn, optim
from ..atomic import atomic_write
from ..data import Dataset, load_dataset, preprocess
from ..distributed import init_from_launcher
from ..distributed.world import STATE as MPI_STATE
from ..models import build_model, describe, unfold_bytes
from ..random import manual_seed
from ..train import NonFiniteLossError, Progress, evaluate, fit
from .config import (
    check_applicable,
    find_checkpoint,
    make_out,
    open_run,
    remove_run,
    resolved,
)
from .parser import TRAIN_DEFAULTS, UsageError


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
    if n_val >= n:
        raise UsageError(
            f"--val-fraction {config['val_fraction']:g} holds out {n_val} of the {n} training "
            f"examples of {ds.name}, leaving none to train on: use a smaller fraction"
        )
    perm = np.random.default_rng(config["seed"]).permutation(n)
    tr, va = np.sort(perm[n_val:]), np.sort(perm[:n_val])
    x_tr, stats = preprocess(ds.x_train[tr], config["preprocess"], stats)
    out = {"train": (x_tr, targets(config, ds.y_train[tr])), "stats": stats or {}}
    if n_val:
        x_va, _ = preprocess(ds.x_train[va], config["preprocess"], stats)
        out["val"] = (x_va, targets(config, ds.y_train[va]))
    elif config["val_fraction"] and config.get("early_stopping") is not None:
        raise UsageError(
            f"--val-fraction {config['val_fraction']:g} holds out none of the {n} training "
            f"examples of {ds.name}, and --early-stopping needs some: use a larger fraction"
        )
    x_te, _ = preprocess(ds.x_test, config["preprocess"], stats)
    out["test"] = (x_te, targets(config, ds.y_test))
    return out


class _Run:
    """The state of one `likelygrad train` while its folder and configuration are settled."""

    def __init__(self, args: argparse.Namespace, say: Any) -> None:
        self.args, self.say, self.given = args, say, set(args.given)
        self.config = {k: getattr(args, k) for k in TRAIN_DEFAULTS}
        self.out: Path | None = None if args.out is None else Path(args.out)
        self.meta: dict[str, Any] | None = None  # of the checkpoint being resumed

    def settle(self) -> bool:
        """Check the run folder, merge a resumed run's settings; False if nothing is to do."""
        assert self.out is not None
        a = self.args
        self.config, self.meta, changes = open_run(
            self.out, self.config, self.given, a.resume, a.overwrite
        )
        check_applicable(self.config, self.given)
        if changes:
            self.say(f"resuming with {', '.join(changes)}")
        meta = self.meta
        if meta is None or not (meta.get("stopped") or meta["epoch"] >= self.config["epochs"]):
            return True
        if not (self.out / "metrics.json").exists():
            return True  # killed after its last checkpoint: write the outputs
        how = " (early stopping)" if meta.get("stopped") else ""
        more = "" if meta.get("stopped") else "; a larger --epochs continues it"
        self.say(f"{self.out}: the run finished after epoch {meta['epoch']}{how}; nothing to do, "
                 f"metrics.json and the pictures are unchanged{more}")  # fmt: skip
        return False


def run(args: argparse.Namespace) -> int:
    """Train as the arguments say; return the exit status."""
    if args.out is not None and not args.out.strip():
        raise UsageError(f"--out {args.out!r} is not a folder name")
    if args.resume and args.overwrite:
        raise UsageError("--resume continues the run in --out, --overwrite replaces it: pick one")
    world = _world()  # under mpiexec or srun: data-parallel, rank 0 prints and writes
    root = world.rank == 0
    prog = Progress("quiet" if args.quiet or not root else "auto")
    say = prog.message
    r = _Run(args, say)
    if not args.resume:  # a resumed run's own settings are checked once merged
        check_applicable(r.config, r.given)
    if r.out is not None and not r.settle():  # before the data: a bad --out costs nothing
        return 0
    requested = r.config["dataset"]
    ds = load_dataset(requested, r.config["data_dir"], verbose=not args.quiet and root)
    if r.out is None:  # the default folder is named after the data actually used
        r.out = Path("runs") / f"{ds.name}-{r.config['model']}"
        if not r.settle():
            return 0
    config, out = resolved(r.config), r.out
    if r.meta is not None and ds.name != config["dataset"]:
        raise ValueError(
            f"the run in {out} trained on {config['dataset']}, but {ds.name} is what could be "
            f"loaded now: make {config['dataset']} available (--data-dir) to resume it"
        )
    if ds.name != requested:
        config.update(dataset=ds.name, dataset_requested=requested)
    check_positive_class(config, ds)
    data = prepare(config, ds)
    in_features = int(np.prod(ds.image_shape))
    n_out = 1 if config["likelihood"] == "bernoulli" else ds.num_classes
    config.update(in_features=in_features, out_features=n_out, image_shape=list(ds.image_shape))
    manual_seed(config["seed"])
    model = build_model(config, in_features, n_out).to(config.get("device") or "cpu")
    opt = make_optimizer(config, list(model.parameters()))
    if args.overwrite and root and (removed := remove_run(out)):
        say(f"--overwrite: removed the previous run's {', '.join(removed)} from {out}")
    created = root and not out.exists()
    if root:
        make_out(out)
    ckpt = find_checkpoint(out)
    unfolded = unfold_bytes(config, config["batch_size"])  # what im2col holds per step
    memory = f" ({unfolded / 2**20:.1f} MiB of unfolded inputs per batch)" if unfolded else ""
    say(f"{ds!r}\nmodel: {describe(config, in_features, n_out)}, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters{memory}; {config['optimizer']} "
        f"lr {config['lr']:g}, {config['likelihood']} likelihood")  # fmt: skip
    t0 = time.perf_counter()
    try:
        history = fit(
            model, config["likelihood"], opt, data["train"], data.get("val"),
            epochs=config["epochs"], batch_size=config["batch_size"], seed=config["seed"],
            early_stopping=config["early_stopping"], checkpoint=ckpt, resume=args.resume,
            config=config, extra_arrays=data["stats"], progress=prog, distributed=world.size > 1,
        )  # fmt: skip
    except NonFiniteLossError as e:
        raise ValueError(diverged(e, ckpt)) from None
    finally:
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # a run that failed before its first checkpoint leaves no empty folder
    seconds = time.perf_counter() - t0
    if not root:
        return 0
    if history and not args.quiet:
        _check_progress(history[-1], n_out, config["lr"])
    _outputs(out, config, model, ds, data, history, seconds, ckpt, args.no_plots, say)
    return 0


def _world() -> Any:
    """This process's rank and world size: (0, 1) unless an MPI launcher started several."""
    try:
        world = init_from_launcher()
    except ImportError as e:  # the launcher started several ranks, but mpi4py is missing
        raise RuntimeError(str(e)) from None
    MPI_STATE.tracebacks = False  # a failing rank's error is one line, as every other
    return world


def _check_progress(last: dict[str, Any], n_out: int, lr: float) -> None:
    """Warn when training ended worse than guessing: finite, but as useless as a divergence."""
    # a uniform guess costs log K nats per example (log 2 for a Bernoulli)
    guess = float(np.log(max(n_out, 2)))
    if last["train_nll"] > guess:
        warnings.warn(
            f"the training NLL after epoch {last['epoch']} is {last['train_nll']:.4g} nats per "
            f"example, worse than a uniform guess ({guess:.3f}): training probably diverged; "
            f"lower --lr (now {lr:g})",
            stacklevel=1,
        )


def diverged(e: NonFiniteLossError, ckpt: Path) -> str:
    """The one-line error of a run whose loss or weights became nan or inf."""
    if np.isfinite(e.loss):
        what = f"the weights became nan or inf in epoch {e.epoch}"
    else:
        what = f"the loss became {e.loss} at epoch {e.epoch}, step {e.step} of {e.steps}"
    kept = (f"the last good checkpoint, after epoch {e.checkpoint_epoch}, is kept in {ckpt}"
            if e.checkpoint_epoch else "no checkpoint was written")  # fmt: skip
    return f"training diverged: {what}; lower --lr (now {e.lr:g}); {kept}"


def _outputs(out, config, model, ds, data, history, seconds, ckpt, no_plots, say) -> None:
    """Evaluate on the test split; write metrics.json, history.csv and the pictures."""
    ev = evaluate(model, config["likelihood"], *data["test"])
    in_features, n_out = config["in_features"], config["out_features"]
    metrics = {
        "dataset": ds.name, "model": describe(config, in_features, n_out),
        "test_accuracy": ev["accuracy"], "test_nll": ev["nll"], "test_ece": ev["ece"],
        "epochs": len(history), "seconds": seconds,
        "best_val_nll": min((r["val_nll"] for r in history if "val_nll" in r), default=None),
    }  # fmt: skip
    with atomic_write(out / "metrics.json", "w") as f:
        f.write(json.dumps(metrics, indent=2) + "\n")
    history.to_csv(out / "history.csv")
    pictures = [] if no_plots else _plots(out, config, model, ds, history, ev, say)
    say(f"test accuracy {ev['accuracy']:.4f}, test nll {ev['nll']:.4f} nats/example, "
        f"ECE {ev['ece']:.4f}  ({seconds:.1f} s)")  # fmt: skip
    say(f"wrote {out}/: metrics.json, history.csv, {ckpt.name}" + "".join(
        f", {p.name}" for p in pictures))  # fmt: skip


def _plots(out: Path, config, model, ds: Dataset, history, ev, say) -> list[Path]:
    """The pictures of a run, when matplotlib is installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        say("matplotlib is not installed: no plots (pip install 'likelygrad[plot]')")
        return []
    from .. import viz

    names = ds.class_names or tuple(str(i) for i in range(ds.num_classes))
    bernoulli = config["likelihood"] == "bernoulli"
    if bernoulli:
        names = (f"not {names[config['positive_class']]}", names[config["positive_class"]])
    y_test = targets(config, ds.y_test).astype(np.int64)
    paths = [
        viz.plot_history(list(history), out / "curves.png"),
        viz.plot_confusion(y_test, ev["pred"], out / "confusion.png", class_names=names),
        viz.plot_reliability(ev["probs"], y_test, out / "reliability.png"),
        viz.plot_misclassified(
            ds.x_test, y_test, ev["pred"], ev["probs"], out / "misclassified.png", class_names=names
        ),  # fmt: skip
    ]
    if config["model"] == "cnn":  # what the first layer's units look for
        paths.append(viz.plot_filters(model[1].weight.numpy(), out / "filters.png"))
    if config["model"] == "logreg":
        w = model[0].weight.numpy(force=True)
        shape = tuple(config["image_shape"])
        # Bernoulli: one row of weights, the logit of the positive class against the rest
        labels, title = ([names[1]], f"weights of the logit: {names[1]} vs the rest") if (
            bernoulli) else (names, None)  # fmt: skip
        paths.append(viz.plot_weights(w, out / "weights.png", shape, labels, title=title))
    return [Path(p) for p in paths]
