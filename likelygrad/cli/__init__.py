"""The `likelygrad` command line: train, eval, predict, info.

Invalid arguments print a usage message and exit with status 2; errors in the data or a
checkpoint print one line naming the problem and exit with status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from ..data import list_datasets
from ..models import ACTIVATIONS

OPTIMIZERS = ("sgd", "adam", "adamw", "lbfgs")


def _positive_int(text: str) -> int:
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return v


def _nonnegative_float(text: str) -> float:
    v = float(text)
    if not v >= 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative number, got {text}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="likelygrad",
        description="Fit neural networks to MNIST-like data by maximum likelihood.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser("train", help="fit a model and write a checkpoint, metrics and plots")
    t.add_argument("--dataset", default="mnist", choices=list_datasets())
    t.add_argument("--data-dir", default=None, help="a folder holding the dataset's files")
    t.add_argument("--model", default="mlp", choices=("logreg", "mlp"))
    t.add_argument("--hidden", type=_positive_int, nargs="+", default=[256, 128])
    t.add_argument("--activation", default="relu", choices=sorted(ACTIVATIONS))
    t.add_argument("--dropout", type=_nonnegative_float, default=0.0)
    t.add_argument("--likelihood", default="categorical", choices=("categorical", "bernoulli"))
    t.add_argument("--positive-class", type=int, default=3, help="Bernoulli: this digit vs rest")
    t.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    t.add_argument("--lr", type=_nonnegative_float, default=None, help="default: per optimizer")
    t.add_argument("--momentum", type=_nonnegative_float, default=0.9, help="SGD only")
    t.add_argument("--weight-decay", type=_nonnegative_float, default=0.0)
    t.add_argument("--epochs", type=_positive_int, default=None, help="default 10")
    t.add_argument("--batch-size", type=_positive_int, default=128)
    t.add_argument("--preprocess", default="standardize", choices=("unit", "standardize"))
    t.add_argument("--val-fraction", type=float, default=0.1, help="held out from train")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--early-stopping", type=_positive_int, default=None, metavar="PATIENCE")
    t.add_argument("--out", default=None, help="output folder (default runs/DATASET-MODEL)")
    t.add_argument("--resume", action="store_true", help="continue from OUT's checkpoint")
    t.add_argument("--no-plots", action="store_true")
    t.add_argument("--quiet", action="store_true", help="print nothing but errors")

    e = sub.add_parser("eval", help="evaluate a checkpoint on a dataset's test split")
    e.add_argument("checkpoint")
    e.add_argument("--dataset", default=None, choices=list_datasets())
    e.add_argument("--data-dir", default=None)

    r = sub.add_parser("predict", help="class probabilities for a PNG image or an IDX file")
    r.add_argument("checkpoint")
    r.add_argument("file")
    r.add_argument("--top", type=_positive_int, default=3)

    sub.add_parser("info", help="datasets found and where, versions, the BLAS in use")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of `likelygrad` and `python -m likelygrad`."""
    args = build_parser().parse_args(argv)
    from . import commands, train

    run = {"train": train.run, "eval": commands.run_eval, "predict": commands.run_predict,
           "info": commands.run_info}[args.command]  # fmt: skip
    if args.command == "train" and not 0 <= args.val_fraction < 1:
        build_parser().error(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
    try:
        return run(args)
    except (ValueError, FileNotFoundError, RuntimeError, OSError) as e:
        print(f"likelygrad {args.command}: error: {e}", file=sys.stderr)
        return 1
    except (TypeError, KeyError) as e:  # input nobody foresaw (a hand-edited checkpoint, say)
        print(f"likelygrad {args.command}: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the last checkpoint written is intact", file=sys.stderr)
        return 130
