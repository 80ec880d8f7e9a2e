"""What `fit(..., distributed=True)` does on each rank of a world of more than one.

Global batch semantics: `batch_size` is the batch of the whole world. Every rank computes the
mean loss of its share (n_r of the batch's n examples) and weights its gradient by n_r / n, so
the sum the reducer forms is the gradient of the whole batch's mean loss: N ranks take the same
steps as one process with that batch (to round-off). The batch's loss, correct count and size
are summed with one small nonblocking allreduce started before backward; the loss is checked
(the same global value on every rank) after the gradients arrive and before the optimizer step.
Rank 0's weights are copied to all at the start; each rank's dropout draws from its own stream,
derived from `(seed, epoch, rank)`, so a resumed run draws the same masks at any world size.
"""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..metrics import reliability_bins
from ..random import default_generator
from ..train.loop import as_input
from .collectives import Work, all_reduce, broadcast_arrays, broadcast_text
from .faults import CollectiveError, abort_on_error, check_in, same_everywhere
from .sampler import ShardedLoader, share
from .world import STATE, init, init_from_launcher, is_initialized

N_BINS = 15  # as metrics.expected_calibration_error


def _fingerprint(name: str, a: np.ndarray) -> str:
    """Shape, dtype and a checksum of a few rows: enough to tell two data sets apart cheaply."""
    a = np.asarray(a)
    rows = a[:: max(1, len(a) // 16)] if a.ndim else a
    return (
        f"{name} {tuple(a.shape)} {a.dtype} crc {zlib.crc32(np.ascontiguousarray(rows).tobytes())}"
    )


def _sum_started(a: np.ndarray) -> Work:
    """Start summing `a` over the ranks in place; `wait()` on the result finishes it."""
    work = all_reduce(a, async_op=True)
    assert work is not None
    return work


class DistributedFit:
    """One rank's part of a data-parallel `fit`: the wrapped model, its shards, the reductions."""

    @classmethod
    def start(cls, model: Any, optimizer: Any, loader: Any, val: Any) -> DistributedFit | None:
        """Join the world (collective); None in a world of one, which trains as before."""
        world = init() if is_initialized() else init_from_launcher()
        if world.size == 1:
            return None
        check_in()  # a rank that failed before fit has reported it: every rank raises here
        return cls(model, optimizer, loader, val)

    def __init__(self, model: Any, optimizer: Any, loader: Any, val: Any) -> None:
        from ..nn.parallel import DistributedDataParallel as DDP

        self.comm = STATE.comm
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        described = [_fingerprint("training inputs", loader.x), _fingerprint("labels", loader.y)]
        described.append(f"batch size {loader.batch_size}, seed {loader.seed}")
        if val is not None:
            described += [_fingerprint("validation inputs", val[0]), _fingerprint("labels", val[1])]
        for i, group in enumerate(optimizer.param_groups):
            scalars = {k: v for k, v in group.items() if isinstance(v, (int, float, bool, str))}
            described.append(f"{type(optimizer).__name__} group {i} {sorted(scalars.items())}")
        same_everywhere(
            "\n".join(described), "the data or the optimizer",
            "give every rank the same data set, batch size, seed and optimizer",
        )  # fmt: skip
        self.owns_ddp = not isinstance(model, DDP)
        self.ddp = DDP(model) if self.owns_ddp else model
        self.model = self.ddp.module  # what is saved: the same keys as a single process's
        self.shards = ShardedLoader(loader, self.rank, self.size)
        self.seconds = 0.0  # communication waited for in this epoch

    def guard(self) -> Any:
        """A context: an error on one rank aborts all; the collective ones pass through."""
        from ..train.divergence import NonFiniteLossError

        return abort_on_error(NonFiniteLossError)

    def close(self) -> None:
        """Detach the gradient hooks `fit` added (a model wrapped by the caller keeps them)."""
        if self.owns_ddp:
            self.ddp.remove_hooks()

    def progress(self, prog: Any) -> Any:
        """Rank 0 reports; the others are quiet."""
        from ..train.progress import Progress

        return prog if self.rank == 0 else Progress("quiet")

    def load_checkpoint(self, path: Any) -> tuple[dict, dict] | None:
        """Rank 0 reads the checkpoint (None if there is none) and sends it to every rank."""
        from ..train.checkpoint import load_checkpoint

        found, error = None, None
        if self.rank == 0:
            try:
                found = load_checkpoint(path) if Path(path).exists() else None
            except Exception as e:  # every rank must hear of it, not wait for the arrays
                error = e
        text = json.dumps(
            {
                "error": None if error is None else str(error),
                "found": found is not None,
                "meta": found[1] if found else None,
            }  # fmt: skip
        )
        head = json.loads(broadcast_text(text if self.rank == 0 else None))
        if head["error"] is not None:  # every rank raises it, rank 0 too: no abort
            raise CollectiveError(head["error"]) from error
        if not head["found"]:
            return None
        return broadcast_arrays(found[0] if found else None), head["meta"]

    def barrier(self) -> None:
        """Wait for every rank (after rank 0 has written a checkpoint)."""
        self.comm.Barrier()

    def seed_streams(self, seed: int, epoch: int) -> None:
        """This rank's dropout stream for `epoch`: from (seed, epoch, rank), as after a resume."""
        key = np.random.SeedSequence([seed, epoch], spawn_key=(1, self.rank))
        default_generator().bit_generator.state = np.random.PCG64(key).state

    def reduce(self, values: list[float]) -> np.ndarray:
        """The sums over ranks (float64), timed as communication."""
        a = np.array(values, np.float64)
        t0 = time.perf_counter()
        all_reduce(a)
        self.seconds += time.perf_counter() - t0
        return a

    def epoch(self, lik: Any, optimizer: Any, epoch: int, prog: Any, guard: Any) -> tuple:
        """One epoch of minibatch steps (or one L-BFGS step); the global NLL and accuracy."""
        from ..optim import LBFGS

        self.seed_streams(self.shards.loader.seed, epoch)
        self.seconds, waited = 0.0, self.ddp.communication_seconds
        if isinstance(optimizer, LBFGS):
            out = self._lbfgs_epoch(lik, optimizer, guard)
        else:
            out = self._sgd_epoch(lik, optimizer, epoch, prog, guard)
        self.seconds += self.ddp.communication_seconds - waited
        return out

    def communication_seconds(self) -> float:
        """The epoch's communication not hidden by compute, averaged over the ranks."""
        return float(self.reduce([self.seconds])[0]) / self.size

    def _sgd_epoch(self, lik, optimizer, epoch, prog, guard) -> tuple[float, float]:
        from ..train.loop import _predict

        ddp, total = self.ddp, np.zeros(3)
        for xb, yb, n in self.shards.shares(epoch):
            optimizer.zero_grad()
            ddp.grad_scale = len(yb) / n  # the sum over ranks is the whole batch's mean
            stats = np.zeros(3)  # loss · n_r, correct, n_r: summed while backward runs
            if len(yb):
                dist = lik(ddp(as_input(xb, ddp.module)))
                nll = dist.nll(yb)
                stats[:] = nll.item() * len(yb), int((_predict(dist) == yb).sum()), len(yb)
                work = _sum_started(stats)
                nll.backward()
            else:  # a short last batch left this rank nothing: it still takes part
                work = _sum_started(stats)
            ddp.synchronize()
            t0 = time.perf_counter()
            work.wait()
            self.seconds += time.perf_counter() - t0
            guard.check_loss(stats[0] / stats[2])  # the global loss: every rank agrees
            optimizer.step()
            total += stats
            prog.update(total[0] / total[2], total[1] / total[2])
        return float(total[0] / total[2]), float(total[1] / total[2])

    def _lbfgs_epoch(self, lik, optimizer, guard) -> tuple[float, float]:
        """One full-batch L-BFGS step; each closure call sums loss and gradient over ranks."""
        from ..train.loop import _predict

        xs, ys = self.shards.whole()
        x, n = as_input(xs, self.model), len(self.shards.x)
        self.ddp.grad_scale = len(ys) / n

        def closure() -> float:
            optimizer.zero_grad()
            stats = np.zeros(1)
            if len(ys):
                loss = lik(self.ddp(x)).nll(ys)
                stats[0] = loss.item() * len(ys) / n
                work = _sum_started(stats)
                loss.backward()
            else:
                work = _sum_started(stats)
            self.ddp.synchronize()
            work.wait()
            return float(stats[0])

        optimizer.step(closure)
        with no_grad():
            stats = [0.0, 0.0, float(len(ys))]
            if len(ys):
                dist = lik(self.model(x))
                stats[:2] = dist.nll(ys).item() * len(ys), float((_predict(dist) == ys).sum())
        total = self.reduce(stats)
        guard.check_loss(total[0] / n)
        return float(total[0] / n), float(total[1] / n)

    @no_grad()
    def evaluate(self, model, likelihood, x, y, batch_size: int = 2048) -> dict[str, Any]:
        """`evaluate`'s NLL, accuracy and ECE over all of (x, y), each rank taking a share."""
        from ..train.loop import _predict, as_likelihood

        lik, (lo, hi) = as_likelihood(likelihood), share(len(x), self.rank, self.size)
        was_training = model.training
        model.eval()
        stats = np.zeros(2 + 3 * N_BINS)  # nll, correct; per bin count, Σ confidence, Σ correct
        try:
            for i in range(lo, hi, batch_size):
                xb, yb = x[i : min(i + batch_size, hi)], y[i : min(i + batch_size, hi)]
                dist = lik(model(as_input(xb, model)))
                stats[0] += dist.nll(yb, "sum").item()
                stats[1] += int((_predict(dist) == yb).sum())
                probs = dist.probs.numpy(force=True)
                if np.isfinite(stats[0]) and np.isfinite(probs).all():
                    b = reliability_bins(probs, yb, N_BINS)
                    full = np.nan_to_num
                    stats[2:] += np.concatenate(
                        [b.counts, full(b.confidence * b.counts), full(b.accuracy * b.counts)]
                    )
        finally:
            model.train(was_training)
        total = self.reduce(stats.tolist())
        if not np.isfinite(total[0]):
            raise CollectiveError(
                f"evaluate: the negative log-likelihood is {total[0]}: the model's outputs are "
                "not finite (do its weights or the inputs hold nan or inf?)"
            )
        counts, conf, correct = np.split(total[2:], 3)
        return {
            "nll": float(total[0] / len(x)),
            "accuracy": float(total[1] / len(x)),
            "ece": float(np.abs(correct - conf).sum() / len(x)),
        }
