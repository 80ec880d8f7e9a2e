"""A training run's configuration and folder: flags that do not apply, `--resume`, `--out`.

A run is its folder: the checkpoint (with the configuration inside), metrics.json,
history.csv and the pictures. `--resume` continues it with its own configuration: a typed flag
that contradicts it is an error, except the few in `MAY_CHANGE`, which are applied and
reported. Without `--resume`, a folder that already holds a run is refused unless
`--overwrite` is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..models import validate_config
from ..train import load_checkpoint
from ..train.checkpoint import CheckpointError, default_suffix
from .parser import DEFAULT_LR, UsageError

# What the model and its training depend on: fixed for the life of a run.
RUN_KEYS = ("dataset", "model", "hidden", "activation", "dropout", "likelihood",
            "positive_class", "optimizer", "lr", "momentum", "weight_decay", "batch_size",
            "preprocess", "val_fraction", "seed")  # fmt: skip
# Settings newer than some saved runs (absent from their configuration): fixed like RUN_KEYS.
NEWER_RUN_KEYS = ("channels", "batch_norm")
# What may change on --resume without making the checkpoint's state wrong: how long to train,
# when to stop early (its counters carry on), where the same data set's files are, and the
# device (a checkpoint holds NumPy arrays, loadable anywhere).
MAY_CHANGE = ("epochs", "early_stopping", "data_dir", "device")
# The files a run writes (besides the checkpoint), removed by --overwrite.
OUTPUTS = ("metrics.json", "history.csv", "curves.png", "confusion.png", "reliability.png",
           "misclassified.png", "weights.png", "filters.png")  # fmt: skip
CHECKPOINTS = ("checkpoint.safetensors", "checkpoint.npz")


def flag(key: str) -> str:
    """'--positive-class' for 'positive_class'."""
    return "--" + key.replace("_", "-")


def show(value: Any) -> str:
    """A value as it would be typed: lists space-separated, None as 'none'."""
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return " ".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


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


def trained_on(config: dict[str, Any]) -> str:
    """The data set a run actually used (older runs saved it as 'dataset_loaded')."""
    return str(config.get("dataset_loaded") or config["dataset"])


def check_applicable(config: dict[str, Any], given: set[str]) -> None:
    """UsageError naming every typed flag that the configuration would silently ignore."""
    problems = []
    if config["model"] == "logreg":
        mlp_only = [flag(k) for k in ("hidden", "activation", "dropout") if k in given]
        if mlp_only:
            verb = "applies" if len(mlp_only) == 1 else "apply"
            problems.append(f"{', '.join(mlp_only)} {verb} to --model mlp only (not logreg)")
    cnn_only = [flag(k) for k in NEWER_RUN_KEYS if k in given]
    if cnn_only and config["model"] != "cnn":
        verb = "applies" if len(cnn_only) == 1 else "apply"
        problems.append(f"{', '.join(cnn_only)} {verb} to --model cnn only")
    if "momentum" in given and config["optimizer"] != "sgd":
        problems.append(f"--momentum applies to --optimizer sgd only (not {config['optimizer']})")
    if "positive_class" in given and config["likelihood"] != "bernoulli":
        problems.append("--positive-class applies to --likelihood bernoulli only")
    if config["optimizer"] == "lbfgs":
        if config["weight_decay"]:
            problems.append("--weight-decay is not supported with --optimizer lbfgs")
        if "batch_size" in given:
            problems.append("--batch-size does not apply to lbfgs: it uses the whole training set")
    if config["early_stopping"] is not None and not config["val_fraction"]:
        problems.append("--early-stopping needs held-out data: a --val-fraction above 0")
    if problems:
        raise UsageError("; ".join(problems))


def resolved(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration with the optimizer's default lr filled in and settings that do not
    apply set to None, so that a saved run says what it used."""
    config = dict(config)
    if config["lr"] is None:
        config["lr"] = DEFAULT_LR[config["optimizer"]]
    if config["model"] == "logreg":
        config.update(hidden=None, activation=None, dropout=None)
    if config["model"] != "cnn":
        config.update(channels=None, batch_norm=None)
    if config["optimizer"] != "sgd":
        config["momentum"] = None
    if config["likelihood"] != "bernoulli":
        config["positive_class"] = None
    return config


def merge_resumed(
    config: dict[str, Any], given: set[str], saved: dict[str, Any], ckpt: Path
) -> tuple[dict[str, Any], list[str]]:
    """The saved run's configuration with the allowed changes typed now, and those changes.

    UsageError listing every typed flag that contradicts the run.
    """
    conflicts, fixed = [], RUN_KEYS + NEWER_RUN_KEYS
    for k in sorted(given & set(fixed), key=fixed.index):
        same = (config[k] in (trained_on(saved), saved.get("dataset_requested"))
                if k == "dataset" else config[k] == saved.get(k))  # fmt: skip
        if not same:
            had = trained_on(saved) if k == "dataset" else saved.get(k)
            conflicts.append(f"{flag(k)} {show(config[k])} (the run has {show(had)})")
    if conflicts:
        may = ", ".join(map(flag, MAY_CHANGE))
        raise UsageError(
            f"--resume continues {ckpt} with its own settings, but {'; '.join(conflicts)}: "
            f"drop those flags, or start a new run with another --out (on resume only {may} "
            "may change)"
        )
    kept = (*fixed, *MAY_CHANGE, "dataset_requested")
    merged = {**config, **{k: saved[k] for k in kept if k in saved}}
    merged["dataset"] = trained_on(saved)
    changes = []
    for k in MAY_CHANGE:
        if k in given and config[k] != saved.get(k):
            merged[k] = config[k]
            changes.append(f"{flag(k)} {show(saved.get(k))} -> {show(config[k])}")
    return merged, changes


def find_checkpoint(out: Path) -> Path:
    """The run's checkpoint in `out`, or where a new one will go."""
    existing = [out / name for name in CHECKPOINTS if (out / name).exists()]
    return existing[0] if existing else out / f"checkpoint{default_suffix()}"


def run_files(out: Path) -> list[str]:
    """The names of the run files present in `out`."""
    return [name for name in (*CHECKPOINTS, *OUTPUTS) if (out / name).exists()]


def check_out(out: Path) -> None:
    """ValueError naming --out when `out` cannot be a run folder (before anything is trained).

    The folder is not created here: a run refused later (bad data, bad flags) leaves nothing.
    """
    if "\0" in str(out):
        raise UsageError(f"--out {str(out)!r} is not a folder name")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: exists and is not a folder")
    parent = out
    while not parent.exists():  # the nearest existing ancestor must be a writable folder
        if parent.is_symlink():
            raise ValueError(f"--out {out}: {parent} is a broken symbolic link")
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"--out {out}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: no permission to write in {parent}")


def make_out(out: Path) -> None:
    """Create the run folder; ValueError naming --out on failure."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"--out {out}: cannot create the folder ({e.strerror or e})") from None


def open_run(
    out: Path, config: dict[str, Any], given: set[str], resume: bool, overwrite: bool
) -> tuple[dict[str, Any], dict[str, Any] | None, list[str]]:
    """(configuration, the saved checkpoint's metadata or None, changes applied on resume)."""
    check_out(out)
    ckpt = find_checkpoint(out)
    if resume:
        if not ckpt.exists():
            return config, None, []
        meta = load_checkpoint(ckpt)[1]
        needed = [*RUN_KEYS, "epochs"]
        saved = checked_config(ckpt, meta.get("config"), needed)
        merged, changes = merge_resumed(config, given, saved, ckpt)
        return merged, meta, changes
    present = run_files(out)
    if present and not overwrite:
        raise ValueError(
            f"--out {out} already holds a run ({', '.join(present)}): add --resume to continue "
            "it, --overwrite to replace it, or choose another --out"
        )
    return config, None, []


def remove_run(out: Path) -> list[str]:
    """Delete a previous run's files from `out` (for --overwrite); returns their names."""
    removed = run_files(out)
    for name in removed:
        (out / name).unlink()
    return removed
