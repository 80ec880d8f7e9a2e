"""The `likelygrad` command line: train, eval, predict, export, info.

Every error is one line, `likelygrad COMMAND: error: ...`, never a traceback (a data set not
found adds, indented below it, where it was searched for): invalid or contradictory arguments
exit with status 2, problems with the data, a checkpoint, an image, the output folder or a
diverging run with status 1. NumPy's floating-point RuntimeWarnings
are silenced (a diverging run is caught by `fit` and reported as such); any other warning is
one line, `likelygrad COMMAND: warning: ...`. Under an MPI launcher only rank 0 prints
(see likelygrad.distributed: an error on any rank stops every rank with that rank's message).
"""

from __future__ import annotations

import contextlib
import io
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
    from ..distributed.world import launched_rank, launched_size

    ranks = launched_size() or 1  # under an MPI launcher: rank 0 alone prints
    shown, errors = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(errors):
            args = parse(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        code = int(e.code or 0) if not isinstance(e.code, str) else 2
        words = sys.argv[1:] if argv is None else argv
        if code and ranks > 1 and "train" in words:  # the other ranks must not wait for this one
            text = errors.getvalue().strip()
            message = text.split(": error: ", 1)[-1]
            return _report(UsageError(message), code, text, "likelygrad train: error:", True)
        if launched_rank() in (None, 0):
            print(shown.getvalue(), end="")
            print(errors.getvalue(), end="", file=sys.stderr)
        return code
    from . import commands, train

    run = {"train": train.run, "eval": commands.run_eval, "predict": commands.run_predict,
           "info": commands.run_info, "export": _run_export}[args.command]  # fmt: skip
    prefix = f"likelygrad {args.command}: error:"
    together = args.command == "train"  # the command that runs data-parallel under MPI
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.showwarning = _one_line_warnings(args.command)
        try:
            return run(args)
        except UsageError as e:
            return _report(e, 2, f"{prefix} {e}", prefix, together)
        except (ValueError, FileNotFoundError, RuntimeError, OSError) as e:
            # one line; a report of where data was searched for follows it, indented
            return _report(e, 1, f"{prefix} {e}".replace("\n", "\n  "), prefix, together)
        except (TypeError, KeyError) as e:  # input nobody foresaw (a hand-edited checkpoint)
            return _report(e, 1, f"{prefix} {type(e).__name__}: {e}", prefix, together)
        except KeyboardInterrupt as e:
            return _report(e, 130, f"likelygrad {args.command}: interrupted; the last "
                           "checkpoint written is intact", prefix, together)  # fmt: skip


def _report(error: BaseException, status: int, text: str, prefix: str, together: bool) -> int:
    """Print `text`, the error's line, and return the exit status. Under an MPI launcher rank 0
    alone prints; with `together` (train), every rank first learns of the error, so none waits
    for this one, and all stop with the first failing rank's error and status."""
    from ..distributed.faults import failure_everywhere
    from ..distributed.world import launched_rank

    if together:
        agreed, status, speaks = failure_everywhere(error, status)
    else:
        agreed, speaks = error, launched_rank() in (None, 0)
    if speaks:
        print(text if agreed is error else f"{prefix} {agreed}", file=sys.stderr)
    return status
