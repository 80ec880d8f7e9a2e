"""The `likelygrad` command line: train, eval, predict, export, info.

Every error is one line, `likelygrad COMMAND: error: ...`, never a traceback (a data set not
found adds, indented below it, where it was searched for): invalid or contradictory arguments
exit with status 2, problems with the data, a checkpoint, an image, the output folder or a
diverging run with status 1. NumPy's floating-point RuntimeWarnings
are silenced (a diverging run is caught by `fit` and reported as such); any other warning is
one line, `likelygrad COMMAND: warning: ...`.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

from .parser import UsageError, build_parser, parse

__all__ = ["build_parser", "main"]


def _one_line_warnings(command: str) -> Any:
    def show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
        print(f"likelygrad {command}: warning: {message}", file=sys.stderr)

    return show


def _run_export(args: Any) -> int:
    from .export import run_export  # imports the ONNX exporters only when asked

    return run_export(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `likelygrad` and `python -m likelygrad`; returns the exit status."""
    try:
        args = parse(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    from . import commands, train

    run = {"train": train.run, "eval": commands.run_eval, "predict": commands.run_predict,
           "info": commands.run_info, "export": _run_export}[args.command]  # fmt: skip
    prefix = f"likelygrad {args.command}: error:"
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.showwarning = _one_line_warnings(args.command)
        try:
            return run(args)
        except UsageError as e:
            print(f"{prefix} {e}", file=sys.stderr)
            return 2
        except (ValueError, FileNotFoundError, RuntimeError, OSError) as e:
            # one line; a report of where data was searched for follows it, indented
            print(f"{prefix} {e}".replace("\n", "\n  "), file=sys.stderr)
            return 1
        except (TypeError, KeyError) as e:  # input nobody foresaw (a hand-edited checkpoint)
            print(f"{prefix} {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"likelygrad {args.command}: interrupted; the last checkpoint written is "
                  "intact", file=sys.stderr)  # fmt: skip
            return 130
