"""One rank of a data-parallel measurement: likelygrad's or PyTorch's DDP on the shared data.

Started by `dist.py` under `mpiexec -n N` (or alone, for the one-process rows). Every rank
reads the arrays `workload.py` wrote, takes its share of each global batch of the shared
per-epoch order (the same split for both frameworks: contiguous parts, sizes differing by at
most one) and weights its loss by its share, so both compute the global batch's gradient. It
runs one untimed warm-up epoch, `--epochs` timed epochs, then one epoch with gradient
averaging switched off (`no_sync`): the compute alone. Rank 0 prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import load_data, load_weights  # noqa: E402


def shares(perm: np.ndarray, batch: int, rank: int, size: int):
    """This rank's indices of each global batch, and that batch's size."""
    for s in range(0, len(perm), batch):
        idx = perm[s : s + batch]
        q, extra = divmod(len(idx), size)
        lo = rank * q + min(rank, extra)
        yield idx[lo : lo + q + (rank < extra)], len(idx)


def run_likelygrad(a, data, weights, rank, size):
    import likelygrad as lg
    from likelygrad import nn, optim

    if size > 1:
        lg.distributed.init()
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = nn.Linear(*w.shape[::-1])
        lin.weight.data, lin.bias.data = lg.tensor(w), lg.tensor(b)
        layers += [lin, nn.ReLU()] if i < len(weights) - 1 else [lin]
    model = nn.Sequential(*layers)
    ddp = nn.parallel.DistributedDataParallel(model) if size > 1 else None
    net = ddp or model
    opt = optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    x, y = data["x_train"], data["y_train"]

    def epoch(perm, sync=True):
        for idx, n in shares(perm, a.batch, rank, size):
            opt.zero_grad()
            if ddp is not None:
                ddp.grad_scale = len(idx) / n  # the global batch's mean gradient
            with ddp.no_sync() if ddp is not None and not sync else _nothing():
                loss = nn.functional.cross_entropy(net(lg.tensor(x[idx])), lg.tensor(y[idx]))
                loss.backward()
            opt.step()

    def waited():
        return ddp.communication_seconds if ddp is not None else 0.0

    def predict(xb):
        with lg.no_grad():
            return model(lg.tensor(xb)).numpy()

    return _measure(a, data, epoch, waited, predict, size)


def run_torch(a, data, weights, rank, size):
    import torch
    import torch.distributed as dist

    torch.set_num_threads(a.threads)
    if size > 1:
        port = os.environ.get("LIKELYGRAD_BENCH_PORT", "29533")
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                                world_size=size)  # fmt: skip
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = torch.nn.Linear(*w.shape[::-1])
        lin.weight.data, lin.bias.data = torch.from_numpy(w), torch.from_numpy(b)
        layers += [lin, torch.nn.ReLU()] if i < len(weights) - 1 else [lin]
    model = torch.nn.Sequential(*layers)
    ddp = torch.nn.parallel.DistributedDataParallel(model) if size > 1 else None
    net = ddp or model
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    x, y = torch.from_numpy(data["x_train"]), torch.from_numpy(data["y_train"])

    def epoch(perm, sync=True):
        for idx, n in shares(perm, a.batch, rank, size):
            idx = torch.from_numpy(idx)
            opt.zero_grad()
            with ddp.no_sync() if ddp is not None and not sync else _nothing():
                # DDP averages over ranks: weight this rank's mean by its share of the batch
                scale = len(idx) * size / n
                loss = torch.nn.functional.cross_entropy(net(x[idx]), y[idx]) * scale
                loss.backward()
            opt.step()

    def predict(xb):
        with torch.no_grad():
            return model(torch.from_numpy(xb)).numpy()

    return _measure(a, data, epoch, lambda: 0.0, predict, size)


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _measure(a, data, epoch, waited, predict, size) -> dict:
    perms = data["perms"]
    epoch(perms[0])  # warm-up, untimed
    times, cpu = [], []
    w0 = waited()
    for e in range(a.epochs):
        _sync(size)
        t0, c0 = time.perf_counter(), time.process_time()
        epoch(perms[(e + 1) % len(perms)])
        _sync(size)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    wait = (waited() - w0) / a.epochs
    xt, yt = data["x_test"], data["y_test"]
    pred = np.concatenate([np.asarray(predict(xt[i : i + 2000])) for i in range(0, len(xt), 2000)])
    _sync(size)
    t0 = time.perf_counter()
    epoch(perms[0], sync=False)  # compute alone: no gradient averaging (the ranks drift apart)
    _sync(size)
    alone = time.perf_counter() - t0
    return {"epoch_seconds": times, "cpu_seconds": cpu, "compute_seconds": alone,
            "wait_seconds": wait, "accuracy": float((pred.argmax(1) == yt).mean())}  # fmt: skip


def _sync(size: int) -> None:
    """All ranks start and stop the clock together (an MPI barrier; both use the same launcher)."""
    if size > 1:
        from mpi4py import MPI

        MPI.COMM_WORLD.Barrier()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("framework", choices=["likelygrad", "torch"])
    p.add_argument("--data", required=True)
    p.add_argument("--model", default="784-256-10-relu")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="torch's; BLAS reads OMP_NUM_THREADS")
    p.add_argument("--lr", type=float, default=0.01)
    a = p.parse_args()
    rank = int(os.environ.get("PMI_RANK", os.environ.get("OMPI_COMM_WORLD_RANK", "0")))
    size = int(os.environ.get("PMI_SIZE", os.environ.get("OMPI_COMM_WORLD_SIZE", "1")))
    data = load_data(a.data)
    run = run_likelygrad if a.framework == "likelygrad" else run_torch
    out = run(a, data, load_weights(a.data, a.model), rank, size)
    if rank == 0:
        print(json.dumps({"framework": a.framework, "ranks": size, "threads": a.threads,
                          "batch": a.batch, **out}))  # fmt: skip


if __name__ == "__main__":
    main()
