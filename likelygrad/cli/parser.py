"""The arguments of `likelygrad`: every option with its meaning and default, and one-line errors.

Options of `train` that set the run's configuration default to None in the parser, so that
what a user typed can be told from a default (`--resume` compares only typed flags with the
saved run); `TRAIN_DEFAULTS` holds the real defaults and the help text shows them.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any, NoReturn

from .. import __version__
from ..data import list_datasets
from ..models import ACTIVATIONS

OPTIMIZERS = ("sgd", "adam", "adamw", "lbfgs")
DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3, "adamw": 1e-3, "lbfgs": 1.0}
CNN_HIDDEN = [128]  # a cnn's MLP head, unless --hidden is given

# The configuration of a run when a flag is not given (lr: DEFAULT_LR of the optimizer).
TRAIN_DEFAULTS: dict[str, Any] = {
    "dataset": "mnist", "data_dir": None, "model": "mlp", "hidden": [256, 128],
    "channels": [32, 64], "batch_norm": False,
    "activation": "relu", "dropout": 0.0, "likelihood": "categorical", "positive_class": 3,
    "optimizer": "adam", "lr": None, "momentum": 0.9, "weight_decay": 0.0, "epochs": 10,
    "batch_size": 128, "preprocess": "standardize", "val_fraction": 0.1, "seed": 0,
    "early_stopping": None, "out": None, "device": "cpu",
}  # fmt: skip


class UsageError(ValueError):
    """Flags that contradict each other or do not apply: exit status 2, like argparse's errors."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: 'likelygrad train: error: ... (--help)'."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(kind: type, text: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def positive_int(text: str) -> int:
    """An integer ≥ 1."""
    v = _number(int, text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return v


def nonnegative_int(text: str) -> int:
    """An integer ≥ 0."""
    v = _number(int, text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return v


def finite_nonnegative(text: str) -> float:
    """A finite number ≥ 0 (nan and inf are refused)."""
    v = _number(float, text)
    if not (math.isfinite(v) and v >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite non-negative number, got {text}")
    return v


def fraction(text: str, upper: float = 1.0) -> float:
    """A number in [0, upper)."""
    v = _number(float, text)
    if not 0 <= v < upper:
        raise argparse.ArgumentTypeError(f"must be in [0, {upper:g}), got {text}")
    return v


def _train_options() -> list[tuple[str, dict[str, Any], str]]:
    """(flag, add_argument keywords, help) of every `train` option, defaults in the help."""
    d = TRAIN_DEFAULTS
    lrs = ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items())
    hidden = " ".join(map(str, d["hidden"]))
    return [
        ("--dataset", {"choices": list_datasets()},
         "the data set to fit (default: mnist; when it is not on disk and cannot be "
         "downloaded, its 5,000-digit sample mnist-sample)"),
        ("--data-dir", {"metavar": "DIR"},
         "a folder holding the data set's files (default: search $LIKELYGRAD_DATA, the "
         "cache, the environment and system folders, then download)"),
        ("--model", {"choices": ("logreg", "mlp", "cnn")},
         f"logistic regression (one linear layer), a multilayer perceptron, or a "
         f"convolutional network: 3×3 conv + 2×2 max-pool blocks, then an MLP "
         f"(default: {d['model']})"),
        ("--hidden", {"type": positive_int, "nargs": "+", "metavar": "N"},
         f"mlp, cnn: hidden layer sizes of the MLP (default: {hidden}; cnn: "
         f"{' '.join(map(str, CNN_HIDDEN))})"),
        ("--channels", {"type": positive_int, "nargs": "+", "metavar": "N"},
         f"cnn: output channels of each conv block; each block halves the image "
         f"(default: {' '.join(map(str, d['channels']))})"),
        ("--batch-norm", {"action": "store_true", "default": None},
         "cnn: batch normalization after each convolution (default: off)"),
        ("--activation", {"choices": sorted(ACTIVATIONS)},
         f"mlp, cnn: the hidden units' activation (default: {d['activation']})"),
        ("--dropout", {"type": fraction, "metavar": "P"},
         f"mlp, cnn: probability of zeroing a hidden unit while training, in [0, 1) "
         f"(default: {d['dropout']:g})"),
        ("--likelihood", {"choices": ("categorical", "bernoulli")},
         "categorical: one class of all; bernoulli: --positive-class against the rest "
         f"(default: {d['likelihood']})"),
        ("--positive-class", {"type": nonnegative_int, "metavar": "K"},
         f"bernoulli: the class whose examples count as 1 (default: {d['positive_class']})"),
        ("--optimizer", {"choices": OPTIMIZERS},
         "how the gradient updates the weights; lbfgs takes full-batch steps with a line "
         f"search (default: {d['optimizer']})"),
        ("--lr", {"type": finite_nonnegative},
         f"learning rate (default, per optimizer: {lrs})"),
        ("--momentum", {"type": finite_nonnegative},
         f"sgd: momentum (default: {d['momentum']:g})"),
        ("--weight-decay", {"type": finite_nonnegative, "metavar": "WD"},
         f"L2 penalty (adamw: decoupled); not with lbfgs (default: {d['weight_decay']:g})"),
        ("--epochs", {"type": positive_int},
         f"passes over the training set; with --resume, the total to reach "
         f"(default: {d['epochs']})"),
        ("--batch-size", {"type": positive_int, "metavar": "N"},
         f"examples per gradient step; not with lbfgs, which takes the whole training set "
         f"(default: {d['batch_size']})"),
        ("--preprocess", {"choices": ("unit", "standardize")},
         "unit: pixels / 255; standardize: zero mean and unit variance per pixel, measured "
         f"on the training split (default: {d['preprocess']})"),
        ("--val-fraction", {"type": fraction, "metavar": "F"},
         f"fraction of the training set held out for validation, in [0, 1) "
         f"(default: {d['val_fraction']:g})"),
        ("--seed", {"type": nonnegative_int},
         f"seeds the weights, the validation split and the batch order (default: {d['seed']})"),
        ("--early-stopping", {"type": positive_int, "metavar": "PATIENCE"},
         "stop after PATIENCE epochs without a better validation NLL and keep the best "
         "weights (default: off)"),
        ("--out", {"metavar": "DIR"},
         "the run's folder (default: runs/DATASET-MODEL, named after the data actually used)"),
        ("--resume", {"action": "store_true"},
         "continue the run in --out from its checkpoint, with its own settings: only "
         "--epochs, --early-stopping, --data-dir and --device may change"),
        ("--overwrite", {"action": "store_true"}, "replace the run already in --out"),
        ("--device", {"metavar": "DEVICE"},
         "where to train: cpu, or cuda / cuda:N on an NVIDIA GPU (needs CuPy: pip install "
         "'likelygrad[gpu]'); checkpoints load on any device (default: cpu)"),
        ("--no-plots", {"action": "store_true"}, "write no pictures"),
        ("--quiet", {"action": "store_true"}, "print nothing but errors"),
    ]  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The parser of `likelygrad` and its commands."""
    p = Parser(
        prog="likelygrad",
        description="Fit neural networks to MNIST-like data by maximum likelihood.",
        epilog="'likelygrad COMMAND --help' lists a command's options.",
    )
    p.add_argument("--version", action="version", version=f"likelygrad {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="fit a model and write a checkpoint, metrics and plots",
                       description="Fit a model by maximum likelihood; write the checkpoint, "
                       "metrics.json, history.csv and plots to --out.")  # fmt: skip
    for name, kwargs, text in _train_options():
        t.add_argument(name, help=text, **kwargs)

    e = sub.add_parser("eval", help="evaluate a checkpoint on a data set's test split",
                       description="Accuracy, NLL and calibration of a checkpoint on a test "
                       "split.")  # fmt: skip
    e.add_argument("checkpoint", help="a checkpoint written by 'likelygrad train'")
    e.add_argument("--dataset", choices=list_datasets(), help="the data set whose test split "
                   "to use (default: the one the checkpoint was trained on)")  # fmt: skip
    e.add_argument("--data-dir", metavar="DIR", help="a folder holding the data set's files "
                   "(default: the checkpoint's, else the usual search)")  # fmt: skip

    r = sub.add_parser("predict", help="class probabilities for a PNG image or an IDX file",
                       description="Class probabilities for the images in a PNG or IDX "
                       "file.")  # fmt: skip
    r.add_argument("checkpoint", help="a checkpoint written by 'likelygrad train'")
    r.add_argument("file", help="a PNG image (any bit depth; converted to grayscale and "
                   "resized to the model's input) or an IDX file of images")  # fmt: skip
    r.add_argument("--top", type=positive_int, default=3, metavar="K",
                   help="how many of the most likely classes to list (default: 3)")  # fmt: skip

    x = sub.add_parser("export", help="write a trained run as an ONNX file",
                       description="Write a run's model as an ONNX file (opset 17) that "
                       "takes pixels and returns class probabilities.")  # fmt: skip
    x.add_argument("run", metavar="RUN_OR_CHECKPOINT", help="a run folder or its checkpoint")
    x.add_argument("file", metavar="MODEL.onnx", help="the ONNX file to write")
    x.add_argument("--output", choices=("logits", "probs"), default="probs",
                   help="what the file returns: probabilities (softmax, or sigmoid for a "
                   "bernoulli run) or the raw logits (default: probs)")  # fmt: skip
    x.add_argument("--input", choices=("pixels", "features"), default="pixels",
                   help="pixels: images (N, H, W) of values 0..255, preprocessed inside the "
                   "file; features: already preprocessed (N, H*W) (default: pixels)")  # fmt: skip
    x.add_argument("--overwrite", action="store_true", help="replace MODEL.onnx if it exists")

    sub.add_parser("info", help="data sets found and where, versions, the BLAS in use",
                   description="Data sets found and where, versions, the BLAS.")  # fmt: skip
    return p


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse `argv`; `args.given` holds the names of the train options typed on the line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("give a command: train, eval, predict, export or info")
    if args.command == "train":
        args.given = {k for k in TRAIN_DEFAULTS if getattr(args, k) is not None}
        for k, v in TRAIN_DEFAULTS.items():
            if getattr(args, k) is None:
                setattr(args, k, v)
        if args.model == "cnn" and "hidden" not in args.given:
            args.hidden = list(CNN_HIDDEN)
    return args


def usage_error(command: str, message: str) -> int:
    """Print one line, as argparse's errors do, and return the exit status 2."""
    print(f"likelygrad {command}: error: {message}", file=sys.stderr)
    return 2
