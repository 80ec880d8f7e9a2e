"""Data parallelism under a real MPI launcher: `mpiexec -n 2` and `-n 3`.

Each test starts `mpiexec -n N python tests/distributed_ranks.py SCENARIO FOLDER ...`; the ranks
run the scenario and leave arrays in FOLDER, which the test compares with one process doing the
same work. The data and model are small and float64, so N ranks must give one process's weights
to round-off.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from distributed_ranks import OPTIMIZERS, data, ddp_net, train, weights

import likelygrad as lg
from likelygrad import nn
from likelygrad.train import load_checkpoint

MPIEXEC = shutil.which(
    "mpiexec", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
)
pytestmark = pytest.mark.skipif(
    MPIEXEC is None or importlib.util.find_spec("mpi4py") is None,
    reason="needs mpi4py and mpiexec (pip install 'likelygrad[mpi]' mpich; make test does)",
)
HANG = 120  # seconds: a run still going then is hung, which is the failure these tests catch


def mpirun(n: int, *args: object, module: bool = False) -> subprocess.CompletedProcess:
    """`mpiexec -n n python distributed_ranks.py args` (or `python -m args`), captured."""
    target = ["-m"] if module else [str(Path(__file__).with_name("distributed_ranks.py"))]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "LIKELYGRAD_MIRROR": "http://127.0.0.1:9/"}
    cmd = [MPIEXEC, "-n", str(n), sys.executable, *target, *map(str, args)]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=HANG, env=env, stdin=subprocess.DEVNULL
    )


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
