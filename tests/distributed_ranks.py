"""What each rank runs under `mpiexec -n N python tests/distributed_ranks.py SCENARIO ARGS...`.

test_distributed_mpi.py starts these scenarios and compares what the ranks leave on disk with
one process doing the same work (the functions under "the work", shared by both).
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import numpy as np

import likelygrad as lg
from likelygrad import nn, optim
from likelygrad.train import fit

OPTIMIZERS = ("sgd", "adam", "lbfgs")


# ---- the work, shared by the ranks and the single-process reference -------------------------


def data(n: int = 52) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 6)), rng.integers(0, 3, n)


def model(seed: int, dropout: float = 0.0) -> nn.Module:
    lg.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Dropout(dropout), nn.Linear(8, 3))


def optimizer(name: str, m: nn.Module) -> optim.Optimizer:
    if name == "sgd":
        return optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    if name == "adam":
        return optim.Adam(m.parameters(), lr=0.01)
    return optim.LBFGS(m.parameters(), max_iter=5, line_search_fn="strong_wolfe")


def train(name: str, seed: int = 0, distributed: bool = False, **kw) -> tuple[nn.Module, list]:
    """52 examples in batches of 10: the last batch has 2, fewer than 3 ranks."""
    lg.set_default_dtype(lg.float64)
    try:
        m = model(seed, kw.pop("dropout", 0.0))
        x, y = data()
        val = (x[:20], y[:20])
        h = fit(m, "categorical", optimizer(name, m), (x, y), val, batch_size=10, seed=3,
                progress="quiet", distributed=distributed, **{"epochs": 3, **kw})  # fmt: skip
    finally:
        lg.set_default_dtype(lg.float32)
    return m, list(h)


def weights(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in m.state_dict().items()}


# ---- what each rank runs ------------------------------------------------------------------


class WithUnused(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
        self.unused = nn.Linear(2, 2)  # never called: no gradient anywhere

    def forward(self, x):
        return self.body(x)


def ddp_net() -> nn.Module:
    lg.manual_seed(0)
    return WithUnused().double()


def scenario_equivalence(folder: str) -> None:
    rank = lg.distributed.get_rank()
    for name in OPTIMIZERS:  # each rank starts from other weights: rank 0's are broadcast
        m, history = train(name, seed=rank, distributed=True)
        np.savez(Path(folder, f"{name}.{rank}.npz"), **weights(m))
        if rank == 0:
            Path(folder, f"{name}.json").write_text(json.dumps(history))


def scenario_ddp(folder: str) -> None:
    """Tiny buckets (one per parameter), two micro-batches under no_sync, an unused layer."""
    rank, size = lg.distributed.get_rank(), lg.distributed.get_world_size()
    net = nn.parallel.DistributedDataParallel(
        ddp_net(), bucket_cap_mb=1e-5, find_unused_parameters=True
    )
    assert len(net.reducer.buckets) == 6
    x, y = data(12)
    mine = np.arange(len(x))[rank::size]  # 4 each; two micro-batches of 2
    for i, part in enumerate((mine[:2], mine[2:])):
        with net.no_sync() if i == 0 else contextlib.nullcontext():
            loss = nn.functional.cross_entropy(net(lg.tensor(x[part])), lg.tensor(y[part]))
            (loss / 2).backward()
    grads = {n: p.grad.numpy() for n, p in net.module.named_parameters() if p.grad is not None}
    np.savez(Path(folder, f"grads.{rank}.npz"), **grads)


def scenario_collectives(folder: str) -> None:
    from likelygrad.distributed import (
        ReduceOp,
        all_gather_text,
        all_reduce,
        broadcast,
        broadcast_arrays,
    )

    rank, out = lg.distributed.get_rank(), {}
    t = lg.tensor([rank + 1.0, 2.0])
    all_reduce(t)
    out["sum"] = t.tolist()
    t = lg.tensor([rank + 1.0, 2.0])
    all_reduce(t, ReduceOp.AVG)
    out["avg"] = t.tolist()
    a = np.array([rank + 1, 3 - rank])
    all_reduce(a, op=ReduceOp.MAX)
    out["max"] = a.tolist()
    t = lg.tensor([rank + 1.0])
    work = all_reduce(t, async_op=True)
    work.wait()
    out["async"] = [t.item(), work.is_completed()]
    strided = np.arange(6.0).reshape(2, 3).T * (rank + 1)  # not contiguous: summed in a copy
    all_reduce(strided)
    out["strided"] = strided.tolist()
    t = lg.tensor([float(rank)])
    broadcast(t, src=2)
    out["broadcast"] = t.tolist()
    mine = {"a": np.array(5.0, np.float32), "b": np.array([True, False])} if rank == 0 else None
    out["arrays"] = {
        k: [v.tolist(), str(v.dtype), list(v.shape)] for k, v in broadcast_arrays(mine).items()
    }
    out["texts"] = all_gather_text(f"r{rank}é")
    Path(folder, f"collectives.{rank}.json").write_text(json.dumps(out))


def scenario_fault(ckpt: str) -> None:
    rank = lg.distributed.get_rank()

    class Failing(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin, self.calls = nn.Linear(6, 3), 0

        def forward(self, x):
            self.calls += 1
            if rank == 1 and self.calls == 9:
                raise RuntimeError("bad data in batch 9")
            return self.lin(x)

    x, y = data(40)
    m = Failing()
    fit(m, "categorical", optim.SGD(m.parameters(), lr=0.1), (x.astype(np.float32), y),
        epochs=5, batch_size=10, checkpoint=ckpt, progress="quiet", distributed=True)  # fmt: skip


def scenario_disagree(folder: str) -> None:
    rank = lg.distributed.get_rank()
    m = nn.Sequential(nn.Linear(6, 8 if rank == 0 else 5), nn.Linear(8 if rank == 0 else 5, 3))
    m = m.double()
    try:
        fit(m, "categorical", optim.SGD(m.parameters(), lr=0.1), data(), progress="quiet",
            distributed=True)  # fmt: skip
    except lg.distributed.RanksDisagreeError as e:
        if rank == 0:
            print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)


def scenario_setup(folder: str) -> None:
    from likelygrad.distributed.faults import failure_everywhere

    if lg.distributed.get_rank() == 1:  # this rank cannot even build its data
        _, status, _ = failure_everywhere(FileNotFoundError("no data here"), 1)
        sys.exit(status)
    m = model(0)
    try:
        fit(m, "categorical", optim.SGD(m.parameters(), lr=0.1), data(), progress="quiet",
            distributed=True)  # fmt: skip
    except lg.distributed.CollectiveError as e:
        print(e, file=sys.stderr)
        sys.exit(e.status or 1)


def scenario_resume(ckpt: str, epochs: str, dropout: str, out: str) -> None:
    m, _ = train("sgd", distributed=True, epochs=int(epochs), dropout=float(dropout),
                 checkpoint=ckpt, resume=True)  # fmt: skip
    if lg.distributed.get_rank() == 0:
        np.savez(Path(out).with_suffix(".npz"), **weights(m))


if __name__ == "__main__":
    lg.distributed.init()
    scenario, *rest = sys.argv[1:]
    globals()[f"scenario_{scenario}"](*rest)
