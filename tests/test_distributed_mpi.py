"""Data parallelism under a real MPI launcher: `mpiexec -n 2` and `-n 3` run this file.

Run by pytest, each test starts `mpiexec -n N python tests/test_distributed_mpi.py SCENARIO
FOLDER ...`; the ranks run the scenario (the functions below the tests) and leave arrays in
FOLDER, which the test compares with one process doing the same work. The data and model are
small and float64, so N ranks must give one process's weights to round-off.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import nn, optim
from likelygrad.train import fit, load_checkpoint

MPIEXEC = shutil.which(
    "mpiexec", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
)
pytestmark = pytest.mark.skipif(
    MPIEXEC is None or importlib.util.find_spec("mpi4py") is None,
    reason="needs mpi4py and mpiexec (pip install 'likelygrad[mpi]' mpich; make test does)",
)
HANG = 120  # seconds: a run still going then is hung, which is the failure these tests catch
OPTIMIZERS = ("sgd", "adam", "lbfgs")


def mpirun(n: int, *args: object, module: bool = False) -> subprocess.CompletedProcess:
    """`mpiexec -n n python this-file args` (or `python -m args`), its output captured."""
    target = ["-m"] if module else [__file__]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "LIKELYGRAD_MIRROR": "http://127.0.0.1:9/"}
    cmd = [MPIEXEC, "-n", str(n), sys.executable, *target, *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=HANG, env=env)


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


def assert_same(a: dict, b: dict, tol: float) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=tol, atol=tol, err_msg=k)


# ---- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("ranks", [2, 3])
def test_n_ranks_give_the_weights_of_one_process_with_the_global_batch(ranks, tmp_path):
    p = mpirun(ranks, "equivalence", tmp_path)
    assert p.returncode == 0, p.stderr
    for name in OPTIMIZERS:
        m, history = train(name)
        for rank in range(ranks):  # every rank ends with the same weights, one process's
            assert_same(dict(np.load(tmp_path / f"{name}.{rank}.npz")), weights(m), 1e-10)
        theirs = json.loads((tmp_path / f"{name}.json").read_text())
        for ours, row in zip(history, theirs):  # metrics reduced over ranks are the global ones
            for key in ("train_nll", "train_acc", "val_nll", "val_acc", "val_ece"):
                assert row[key] == pytest.approx(ours[key], rel=1e-9, abs=1e-12), (name, key)
            assert row["comm_seconds"] >= 0


def test_ddp_buckets_no_sync_and_unused_parameters_give_the_full_batch_gradient(tmp_path):
    p = mpirun(3, "ddp", tmp_path)
    assert p.returncode == 0, p.stderr
    net, x, y = ddp_net(), *data(12)
    loss = nn.functional.cross_entropy(net(lg.tensor(x)), lg.tensor(y))
    loss.backward()
    for rank in range(3):
        got = dict(np.load(tmp_path / f"grads.{rank}.npz"))
        assert "unused.weight" not in got  # no rank had a gradient: it stays None, as alone
        want = {n: p.grad.numpy() for n, p in net.named_parameters() if p.grad is not None}
        assert_same(got, want, 1e-12)


def test_collectives_combine_every_ranks_values_in_place(tmp_path):
    p = mpirun(3, "collectives", tmp_path)
    assert p.returncode == 0, p.stderr
    for rank in range(3):
        got = json.loads((tmp_path / f"collectives.{rank}.json").read_text())
        assert got == {
            "sum": [6.0, 6.0], "avg": [2.0, 2.0], "max": [3, 3], "async": [6.0, True],
            "strided": [[0.0, 18.0], [6.0, 24.0], [12.0, 30.0]], "broadcast": [2.0],
            "arrays": {"a": [5.0, "float32", []], "b": [[True, False], "bool", [2]]},
            "texts": ["r0é", "r1é", "r2é"],
        }  # fmt: skip


def test_a_failing_rank_stops_every_rank_and_the_last_checkpoint_loads(tmp_path):
    ckpt = tmp_path / "checkpoint.npz"
    p = mpirun(2, "fault", ckpt)  # rank 1 raises in epoch 3; rank 0 would wait forever
    assert p.returncode != 0
    assert "rank 1 of 2 failed: RuntimeError: bad data in batch 9" in p.stderr, p.stderr
    assert load_checkpoint(ckpt)[1]["epoch"] == 2


def test_ranks_that_build_different_models_fail_at_start_up(tmp_path):
    p = mpirun(2, "disagree", tmp_path)
    assert p.returncode == 1, p.stderr
    assert p.stderr.count("RanksDisagreeError") == 1, p.stderr  # rank 0 alone reports
    assert "rank 0 has 0.weight (8, 6) float64, rank 1 has 0.weight (5, 6) float64" in p.stderr


def test_a_rank_that_fails_before_fit_stops_the_others_with_its_message(tmp_path):
    p = mpirun(2, "setup", tmp_path)
    assert p.returncode == 1, p.stderr
    assert "rank 1 of 2: no data here" in p.stderr, p.stderr


def test_resume_across_world_sizes_and_dropout_streams_by_rank(tmp_path):
    ck = tmp_path / "ck.npz"
    for ranks, epochs in ((3, 2), (2, 4)):  # 3 ranks for 2 epochs, then 2 ranks to 4
        p = mpirun(ranks, "resume", ck, epochs, 0.0, tmp_path / "resumed")
        assert p.returncode == 0, p.stderr
    m, _ = train("sgd", epochs=4)
    assert_same(dict(np.load(tmp_path / "resumed.npz")), weights(m), 1e-10)
    # with dropout: a resumed 2-rank run draws the masks of an uninterrupted one
    ck2 = tmp_path / "dropout.npz"
    for epochs in (1, 3):
        assert mpirun(2, "resume", ck2, epochs, 0.3, tmp_path / "a").returncode == 0
    assert mpirun(2, "resume", tmp_path / "whole.npz", 3, 0.3, tmp_path / "b").returncode == 0
    a, b = dict(np.load(tmp_path / "a.npz")), dict(np.load(tmp_path / "b.npz"))
    assert_same(a, b, 0)
    m, _ = train("sgd", epochs=3, dropout=0.3)  # one process draws other masks
    assert not np.allclose(a["3.weight"], weights(m)["3.weight"])


def test_the_cli_under_mpiexec_prints_once_and_matches_one_process(tmp_path):
    from synthetic import write_mnist

    from likelygrad.cli import main

    folder = write_mnist(tmp_path / "mnist", n_train=250, n_test=60)
    args = ["train", "--dataset", "mnist", "--data-dir", folder, "--hidden", "16",
            "--batch-size", "64", "--no-plots", "--optimizer", "sgd"]  # fmt: skip
    p = mpirun(3, "likelygrad", *args, "--epochs", "1", "--out", tmp_path / "dp", module=True)
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("epoch 1:") == 1 and p.stderr.count("wrote ") == 1, p.stderr
    p = mpirun(2, "likelygrad", *args, "--epochs", "2", "--out", tmp_path / "dp", "--resume",
               module=True)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "resuming from" in p.stderr and p.stderr.count("epoch 2:") == 1, p.stderr
    assert main([*map(str, args), "--epochs", "2", "--out", str(tmp_path / "one"), "--quiet"]) == 0
    dp, one = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("dp", "one"))
    assert dp["test_nll"] == pytest.approx(one["test_nll"], rel=1e-4)
    assert_same(load_checkpoint(tmp_path / "dp" / "checkpoint.safetensors")[0],
                load_checkpoint(tmp_path / "one" / "checkpoint.safetensors")[0], 1e-4)  # fmt: skip


def test_bench_dist_runs_both_frameworks_on_the_same_work(tmp_path):
    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    frameworks = ["likelygrad"] + (["torch"] if importlib.util.find_spec("torch") else [])
    cmd = [sys.executable, bench / "dist.py", "--ranks", "1", "2", "--batches", "100",
           "--epochs", "1", "--train-size", "600", "--json", tmp_path / "rows.json",
           "--frameworks", *frameworks]  # fmt: skip
    p = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, timeout=HANG)
    assert p.returncode == 0, p.stderr[-3000:]
    rows = json.loads((tmp_path / "rows.json").read_text())["rows"]
    setups = {(r["framework"], r["ranks"], r["threads"]): r for r in rows}
    assert set(setups) == {(f, *rt) for f in frameworks for rt in ((1, 1), (2, 1), (1, 2))}
    acc = {k: r["accuracy"] for k, r in setups.items()}
    for f in frameworks:  # one global batch, however split: the same model (to round-off)
        assert abs(acc[f, 2, 1] - acc[f, 1, 1]) <= 0.01 and abs(acc[f, 1, 2] - acc[f, 1, 1]) <= 0.01
        assert abs(acc[f, 1, 1] - acc["likelygrad", 1, 1]) <= 0.015  # same weights and order
    assert "| likelygrad | 100 | 2 × 1 |" in p.stdout


def test_the_efficiency_model_counts_flops_as_the_speed_benchmark():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import dist_model
    import workload

    sizes = (784, 256, 10)
    assert dist_model.params(sizes) == 203_530
    assert dist_model.flops(sizes) == workload.flops_per_example(sizes)
    # 2 ranks: one latency each way and half the gradient sent, half received, per rank
    assert dist_model.allreduce_seconds(2, 1e6, 1e-5, 1e9) == pytest.approx(2e-5 + 1e-3)


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
