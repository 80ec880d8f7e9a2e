"""Failing together: no rank may be left waiting in a collective for a rank that is gone.

Two kinds of failure. An error that every rank can see (ranks that disagree on the model, a
diverging loss, which is reduced over the ranks) is raised on every rank at once, as a
`CollectiveError`: each rank exits with the same message and status. An error only one rank
sees (bad data, out of memory, a full disk while rank 0 writes) would leave the others blocked
forever in their next collective: inside `abort_on_error` it prints the failing rank's message
and calls `MPI_Abort`, which ends every rank of the job within seconds, with a nonzero status.

Before any collective of training, the ranks check in (`check_in`): a rank that failed while
setting up (data not found, bad arguments) reports its error there instead of training, and
every rank raises it.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from .collectives import all_gather_text
from .world import STATE, communicator, init, launched_rank, launched_size


class CollectiveError(RuntimeError):
    """An error raised on every rank at once (so no rank waits for another); `status` is the
    exit status the failing rank chose, when it said."""

    def __init__(self, message: str, status: int | None = None, rank: int = 0) -> None:
        super().__init__(message)
        self.status, self.rank = status, rank


class RanksDisagreeError(CollectiveError, ValueError):
    """The ranks were given different models or data: raised on every rank at start-up."""


def agree(problem: str | None, error: type[CollectiveError] = CollectiveError) -> None:
    """Collective: every rank states its problem (None: none); if any rank has one, every rank
    raises `error` with the first such rank's text ('rank 2 of 4: ...' when it is not rank 0)."""
    texts = all_gather_text(problem or "")
    failed = [(r, t) for r, t in enumerate(texts) if t]
    if failed:
        rank, text = failed[0]
        status, _, message = text.partition("\t")
        who = "" if rank == 0 else f"rank {rank} of {len(texts)}: "
        raise error(who + message, int(status) if status.isdigit() else None, rank)


def check_in(error: BaseException | None = None, status: int | None = None) -> None:
    """The start-up check-in, called once by every rank before training: by `fit`, or with the
    `error` of a rank that failed before it got there (then every rank raises CollectiveError)."""
    if STATE.checked_in:
        return
    STATE.checked_in = True
    problem = None if error is None else f"{status or ''}\t{error}"
    try:
        agree(problem)
    except CollectiveError as agreed:
        if error is not None and agreed.rank == communicator().Get_rank():
            raise error from None  # this rank's own error comes back as it was
        raise


def failure_everywhere(error: BaseException, status: int) -> tuple[BaseException, int, bool]:
    """For a program's error handler: (the error to report, the exit status, whether this rank
    reports it). Under a launcher of several ranks, a rank that fails before the check-in
    checks in with its error (joining the world first if it had not), so every rank stops with
    the first failing rank's error and rank 0 alone reports it; alone, (error, status, True)."""
    first = launched_rank() in (None, 0)
    if isinstance(error, CollectiveError) and error.status:
        status = error.status  # the status the failing rank chose
    if STATE.comm is None and (launched_size() or 1) > 1:
        try:
            init()
        except Exception:  # no MPI to tell the others with: the launcher must end them
            return error, status, first
    comm = STATE.comm
    if comm is None or comm.Get_size() == 1:
        return error, status, first
    try:
        check_in(error, status)
    except CollectiveError as agreed:
        if agreed is not error:
            error, status = agreed, agreed.status or status
    except BaseException:  # this rank's own error, re-raised by check_in
        pass
    return error, status, comm.Get_rank() == 0


def abort(error: BaseException) -> None:
    """Print this rank's error and end every rank of the job (MPI_Abort); does not return."""
    comm = communicator()
    rank, size = comm.Get_rank(), comm.Get_size()
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if STATE.tracebacks:
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    print(
        f"likelygrad: rank {rank} of {size} failed: {text}\nlikelygrad: stopping all {size} "
        "ranks (MPI_Abort); the last checkpoint written is intact",
        file=sys.stderr,
        flush=True,
    )
    sys.stdout.flush()
    comm.Abort(130 if isinstance(error, KeyboardInterrupt) else 1)


@contextmanager
def abort_on_error(*shared: type[BaseException]) -> Iterator[None]:
    """Inside: an error on one rank aborts every rank, except CollectiveError and the `shared`
    types, which every rank raises together."""
    passing: tuple[type[BaseException], ...] = (CollectiveError, GeneratorExit, *shared)
    try:
        yield
    except BaseException as e:
        if isinstance(e, passing):
            raise
        abort(e)
        raise  # only when Abort returned (a communicator that does not abort): never hang


def same_everywhere(text: str, what: str, fix: str) -> None:
    """Collective: RanksDisagreeError on every rank unless all ranks pass the same `text` (lines
    describing `what`); the message shows the first line that differs from rank 0's."""
    texts = all_gather_text(text)
    for rank, other in enumerate(texts):
        if other != texts[0]:
            ours, theirs = texts[0].splitlines(), other.splitlines()
            at = next(
                (i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b),
                min(len(ours), len(theirs)),
            )
            line0 = ours[at] if at < len(ours) else "(nothing more)"
            line = theirs[at] if at < len(theirs) else "(nothing more)"
            raise RanksDisagreeError(
                f"the ranks disagree on {what}: rank 0 has {line0}, rank {rank} has {line}; {fix}"
            )
