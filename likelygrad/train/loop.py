"""`fit`: maximum-likelihood training by mini-batch gradient steps, with evaluation,
early stopping on held-out negative log-likelihood, and resumable checkpoints."""

from __future__ import annotations

import csv
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import dispatch as D
from ..atomic import atomic_write
from ..autograd import no_grad
from ..data import DataLoader
from ..likelihoods import Bernoulli, Categorical, Distribution
from ..metrics import expected_calibration_error
from ..nn import Module
from ..optim import LBFGS, Optimizer, flatten_state, unflatten_state
from ..random import default_generator
from ..tensor import Tensor
from .checkpoint import (
    load_checkpoint,
    remove_stale_temporaries,
    save_checkpoint,
    split_prefix,
    with_prefix,
)
from .divergence import FiniteGuard
from .progress import Progress

Likelihood = Callable[[Tensor], Distribution]


def as_likelihood(spec: str | type | Likelihood) -> Likelihood:
    """'categorical'/Categorical, 'bernoulli'/Bernoulli, or a callable: output -> Distribution."""
    if spec in ("categorical", Categorical):
        return lambda out: Categorical(logits=out)
    if spec in ("bernoulli", Bernoulli):  # an (N, 1) output is N coins
        return lambda out: Bernoulli(logits=out.reshape(-1) if out.ndim == 2 else out)
    if callable(spec):
        return spec
    raise ValueError(f"likelihood must be 'categorical', 'bernoulli' or a callable, got {spec!r}")


def as_input(x: np.ndarray, model: Module) -> Tensor:
    """A batch of NumPy data as a tensor on the model's device (no copy on the CPU)."""
    t = D.make(x, None)
    p = next(model.parameters(), None)
    if p is None or type(p.array) is np.ndarray:
        return t
    return t.to(p.device)


def _predict(dist: Distribution) -> np.ndarray:
    """The most likely class (1 or 0 for a Bernoulli), as integers."""
    logits = getattr(dist, "logits", None)
    if logits is not None and type(logits.array) is np.ndarray:  # every step: NumPy directly
        a = logits.array
        return a.argmax(axis=-1) if isinstance(dist, Categorical) else (a > 0).astype(np.int64)
    return dist.mode().numpy(force=True).astype(np.int64, copy=False)


class History(list):
    """One dict per epoch: epoch, train_nll, train_acc, [val_nll, val_acc, val_ece], lr, seconds."""

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one row per epoch to `path` (atomically: the old file or the whole new one)."""
        keys = list(dict.fromkeys(k for row in self for k in row))
        with atomic_write(path, "w") as f:
            w = csv.DictWriter(f, fieldnames=keys)
            w.writeheader()
            w.writerows(self)


@no_grad()
def evaluate(
    model: Module, likelihood: Any, x: np.ndarray, y: np.ndarray, batch_size: int = 2048
) -> dict[str, Any]:
    """Mean NLL per example (nats), accuracy, ECE, and the predictive probabilities."""
    lik = as_likelihood(likelihood)
    was_training = model.training
    model.eval()
    total, probs, preds = 0.0, [], []
    try:
        for i in range(0, len(x), batch_size):
            dist = lik(model(as_input(x[i : i + batch_size], model)))
            total += dist.nll(y[i : i + batch_size], "sum").item()
            probs.append(dist.probs.numpy(force=True))
            preds.append(_predict(dist))  # the same rule as the training accuracy
    finally:  # an exception (a bad label, Ctrl-C) must not leave the model in eval mode
        model.train(was_training)
    if not math.isfinite(total):  # say so here, not as a puzzling error from the ECE below
        raise ValueError(
            f"evaluate: the negative log-likelihood is {total}: the model's outputs are not "
            "finite (do its weights or the inputs hold nan or inf?)"
        )
    p, pred = np.concatenate(probs), np.concatenate(preds)
    return {
        "nll": total / len(x),
        "accuracy": float((pred == y).mean()),
        "ece": expected_calibration_error(p, y),
        "probs": p,
        "pred": pred,
    }


def fit(
    model: Module,
    likelihood: str | type | Likelihood,
    optimizer: Optimizer,
    train: tuple[np.ndarray, np.ndarray] | DataLoader,
    val: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    epochs: int = 10,
    batch_size: int = 128,
    seed: int = 0,
    scheduler: Any = None,
    early_stopping: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    config: dict | None = None,
    extra_arrays: dict[str, np.ndarray] | None = None,
    progress: str | Progress = "auto",
    distributed: bool = False,
) -> History:
    """Maximize the log-likelihood of `train` under `model` (minimize its negative mean).

    Each epoch records the mean negative log-likelihood per example in nats and the accuracy,
    on the training batches and, given `val`, on held-out data with the expected calibration
    error. `early_stopping=k` stops after k epochs without a better held-out NLL and restores
    the best weights. With `checkpoint`, the full state (model, optimizer, scheduler, epoch,
    global RNG, history, early-stopping state, `config`, `extra_arrays`) is written atomically
    after every epoch; `resume=True` continues from it and ends with the same weights as an
    uninterrupted run.

    `distributed=True`, in each rank of an MPI job (`mpiexec -n 4 python script.py`), trains
    data-parallel: `batch_size` is the global batch, each rank computes its share and gradients
    are averaged over the ranks (see `likelygrad.distributed.fit`), giving the weights one
    process would; metrics are global, rank 0 alone prints and writes the checkpoint, which any
    world size can resume. An error on one rank stops every rank (MPI_Abort). In a world of one
    (no launcher) it is exactly the single-process `fit`.
    """
    model = model.train()
    lik = as_likelihood(likelihood)
    loader = train if isinstance(train, DataLoader) else DataLoader(*train, batch_size, True, seed)
    if early_stopping is not None and val is None:
        raise ValueError("fit: early_stopping needs held-out data: pass val=(x_val, y_val)")
    prog = progress if isinstance(progress, Progress) else Progress(progress)
    dp = None
    if distributed:
        from ..distributed.fit import DistributedFit

        dp = DistributedFit.start(model, optimizer, loader, val)  # None in a world of one
    settings = (lik, optimizer, loader, val, epochs, scheduler, early_stopping, checkpoint,
                resume, config, extra_arrays)  # fmt: skip
    if dp is None:
        return _fit(model, *settings, prog, None)
    with dp.guard():  # an error on one rank stops them all, never leaving one waiting
        try:
            return _fit(dp.model, *settings, dp.progress(prog), dp)
        finally:
            dp.close()


def _fit(model, lik, optimizer, loader, val, epochs, scheduler, early_stopping, checkpoint,
         resume, config, extra_arrays, prog, dp) -> History:  # fmt: skip
    """fit's loop; `dp` is the rank's DistributedFit, or None in a single process."""
    root = dp is None or dp.rank == 0  # the process that prints and writes files
    history, start = History(), 0
    early: dict[str, Any] = {"best_nll": None, "best_epoch": None, "bad": 0}
    best: dict[str, np.ndarray] | None = None
    if checkpoint is not None and root:
        remove_stale_temporaries(checkpoint)  # from a run killed while writing
    found = None
    if resume and checkpoint is not None:
        if dp is not None:
            found = dp.load_checkpoint(checkpoint)  # read by rank 0, sent to all
        elif Path(checkpoint).exists():
            found = load_checkpoint(checkpoint)
    if found is not None:
        arrays, meta = found
        restore_training_state(arrays, meta, model, optimizer, scheduler)
        history, start, early = History(meta["history"]), meta["epoch"], meta["early"]
        best = split_prefix(arrays, "best") or None
        if meta.get("stopped") or start >= epochs:
            prog.message(f"{checkpoint}: training already ended after epoch {start}")
            return history
        latest = split_prefix(arrays, "last")
        if latest:  # the saved model holds the best weights; continue from the latest ones
            model.load_state_dict(latest)
        prog.message(f"resuming from {checkpoint} after epoch {start}")
    elif resume and checkpoint is not None:
        prog.message(f"no checkpoint at {checkpoint} yet: starting from scratch")

    with prog:  # closes the bar however the loop ends (a divergence, Ctrl-C)
        stopped = False
        for epoch in range(start, epochs):
            t0 = time.perf_counter()
            lbfgs = isinstance(optimizer, LBFGS)
            steps = 1 if lbfgs else len(loader)
            saving = checkpoint is not None
            guard = FiniteGuard(model, optimizer, epoch + 1, steps, start, saving, not lbfgs)
            prog.start_epoch(epoch + 1, epochs, steps)
            if dp is not None:
                nll, acc = dp.epoch(lik, optimizer, epoch, prog, guard)
            elif lbfgs:
                nll, acc = _lbfgs_epoch(model, lik, optimizer, loader, guard)
            else:
                nll, acc = _sgd_epoch(model, lik, optimizer, loader, epoch, prog, guard)
            guard.check_weights()  # never evaluate, or save a checkpoint of, nan weights
            row: dict[str, Any] = {"epoch": epoch + 1, "train_nll": nll, "train_acc": acc}
            row["lr"] = optimizer.param_groups[0]["lr"]
            if dp is not None:  # communication that backward's compute did not hide
                row["comm_seconds"] = dp.communication_seconds()
            if scheduler is not None:
                scheduler.step()
            if val is not None:
                ev = (evaluate if dp is None else dp.evaluate)(model, lik, *val)
                row.update(val_nll=ev["nll"], val_acc=ev["accuracy"], val_ece=ev["ece"])
            row["seconds"] = time.perf_counter() - t0
            history.append(row)
            prog.end_epoch(row)
            if early_stopping is not None:
                if early["best_nll"] is None or row["val_nll"] < early["best_nll"]:
                    early = {"best_nll": row["val_nll"], "best_epoch": epoch + 1, "bad": 0}
                    best = snapshot(model)
                else:
                    early["bad"] += 1
                stopped = early["bad"] >= early_stopping
            finished = stopped or epoch + 1 == epochs
            last: dict[str, np.ndarray] | None = None
            if finished and best is not None:
                last = snapshot(model)
                model.load_state_dict(best)
                prog.message(f"restored the weights of epoch {early['best_epoch']} (best val nll)")
            if checkpoint is not None and root:
                arrays = training_state(model, optimizer, scheduler, best, extra_arrays)
                arrays.update(with_prefix(last or {}, "last"))
                meta = {"epoch": epoch + 1, "history": list(history), "early": early,
                        "rng": default_generator().bit_generator.state, "config": config or {},
                        "finished": finished, "stopped": stopped}  # fmt: skip
                save_checkpoint(checkpoint, arrays, meta)
            if dp is not None and checkpoint is not None:
                dp.barrier()  # so a rank failing later finds every finished epoch on disk
            if stopped:
                prog.message(f"early stopping: no better val nll for {early_stopping} epochs")
                break
    return history


def _sgd_epoch(model, lik, optimizer, loader, epoch, prog, guard) -> tuple[float, float]:
    nll_sum, correct, n = 0.0, 0, 0
    for xb, yb in loader.batches(epoch):
        dist = lik(model(as_input(xb, model)))
        nll = dist.nll(yb)  # the mean over the batch, fused into one op
        loss = nll.item()
        guard.check_loss(loss)  # before the step: a nan gradient would spread to every weight
        optimizer.zero_grad()
        nll.backward()
        optimizer.step()
        nll_sum += loss * len(yb)
        correct += int((_predict(dist) == yb).sum())
        n += len(yb)
        prog.update(nll_sum / n, correct / n)
    return nll_sum / n, correct / n


def _lbfgs_epoch(model, lik, optimizer, loader, guard) -> tuple[float, float]:
    """One full-batch L-BFGS step (its inner iterations and line search run inside)."""
    x, y = as_input(loader.x, model), loader.y

    def closure() -> float:
        optimizer.zero_grad()
        loss = lik(model(x)).nll(y)
        loss.backward()
        return loss.item()

    optimizer.step(closure)
    with no_grad():
        dist = lik(model(x))
        nll = dist.nll(y).item()
    guard.check_loss(nll)
    return nll, float((_predict(dist) == y).mean())


def snapshot(model: Module) -> dict[str, np.ndarray]:
    """The model's state as NumPy copies (from any device), unaffected by further training."""
    return {k: np.array(v.numpy(force=True)) for k, v in model.state_dict().items()}


def training_state(model, optimizer, scheduler=None, best=None, extra=None) -> dict:
    """The arrays of a checkpoint: model.*, optimizer.*, scheduler.*, best.*, extra.*."""
    arrays = with_prefix(snapshot(model), "model")
    arrays.update(with_prefix(flatten_state(optimizer.state_dict()), "optimizer"))
    if scheduler is not None:
        arrays.update(with_prefix(flatten_state(scheduler.state_dict()), "scheduler"))
    if best is not None:
        arrays.update(with_prefix(best, "best"))
    arrays.update(with_prefix(extra or {}, "extra"))
    return arrays


def restore_training_state(arrays, meta, model, optimizer=None, scheduler=None) -> None:
    """Load what `training_state` saved, and the global RNG state from `meta`."""
    model.load_state_dict(split_prefix(arrays, "model"))
    if optimizer is not None:
        optimizer.load_state_dict(unflatten_state(split_prefix(arrays, "optimizer")))
    if scheduler is not None:
        scheduler.load_state_dict(unflatten_state(split_prefix(arrays, "scheduler")))
    if "rng" in meta:
        default_generator().bit_generator.state = meta["rng"]
