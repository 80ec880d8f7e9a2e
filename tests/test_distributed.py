"""likelygrad.distributed in one process: sharding, torch's sampler, start-up, a world of one.

The multi-rank behaviour (equivalence with one process, faults, resume) is tested under
`mpiexec` in test_distributed_mpi.py.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import nn, optim
from likelygrad.data import DataLoader
from likelygrad.distributed import DistributedSampler, ShardedLoader, share
from likelygrad.distributed.world import STATE
from likelygrad.train import fit

needs_mpi4py = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None, reason="needs mpi4py (make test installs it)"
)
LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK",
                      "MV2_COMM_WORLD_SIZE", "PMIX_RANK", "SLURM_STEP_NUM_TASKS")  # fmt: skip


@pytest.fixture(autouse=True)
def no_launcher(monkeypatch):
    """A process no launcher started, and no world joined (as each test found it after)."""
    for name in LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    saved = STATE.comm, STATE.checked_in
    STATE.comm, STATE.checked_in = None, False
    yield
    STATE.comm, STATE.checked_in = saved


def test_shares_are_contiguous_cover_the_batch_and_differ_by_at_most_one():
    for n in range(0, 23):
        for size in range(1, 6):
            parts = [share(n, r, size) for r in range(size)]
            assert parts[0][0] == 0 and parts[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
            sizes = [hi - lo for lo, hi in parts]
            assert sizes == sorted(sizes, reverse=True) and sizes[0] - sizes[-1] <= 1


def test_the_ranks_shares_make_up_each_global_batch_of_the_loader():
    x, y = np.arange(23)[:, None] * 1.0, np.arange(23)
    loader = DataLoader(x, y, batch_size=5, seed=7)
    for epoch in (0, 3):
        whole = [yb for _, yb in loader.batches(epoch)]
        shards = [list(ShardedLoader(loader, r, 3).shares(epoch)) for r in range(3)]
        for i, batch in enumerate(whole):  # 5, 5, 5, 5, 3: the last one short
            parts = [shards[r][i] for r in range(3)]
            assert all(n == len(batch) for _, _, n in parts)
            np.testing.assert_array_equal(np.concatenate([yb for _, yb, _ in parts]), batch)
            np.testing.assert_array_equal(np.concatenate([xb for xb, _, _ in parts])[:, 0], batch)


@pytest.mark.parametrize("n", [0, 1, 7, 12])
@pytest.mark.parametrize("replicas", [1, 3, 5])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_splits_as_torchs(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler

    for rank in range(replicas):
        kw = dict(num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        ours, theirs = DistributedSampler(range(n), **kw), TorchSampler(range(n), **kw)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval"):
        DistributedSampler(range(n), num_replicas=3, rank=3)
    del torch


def test_a_shuffled_sampler_shares_the_loaders_order_of_each_epoch():
    x = np.zeros((10, 1))
    loader = DataLoader(x, np.arange(10), batch_size=4, seed=5)
    samplers = [DistributedSampler(x, num_replicas=2, rank=r, seed=5) for r in range(2)]
    for s in samplers:
        s.set_epoch(2)
    order = loader.order(2)
    assert list(samplers[0]) == order[0::2].tolist() and list(samplers[1]) == order[1::2].tolist()


def test_before_init_the_questions_fail_as_torchs_do():
    assert not lg.distributed.is_initialized()
    for ask in (lg.distributed.get_rank, lg.distributed.get_world_size, lg.distributed.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            ask()
    with pytest.raises(ValueError, match="communicates through MPI only, got backend 'gloo'"):
        lg.distributed.init_process_group("gloo")


def test_without_mpi4py_init_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'likelygrad\[mpi\]'"):
        lg.distributed.init()
    assert not lg.distributed.is_initialized()


def test_the_launchers_variables_say_how_many_ranks_started(monkeypatch):
    assert lg.distributed.launched_size() is None
    assert lg.distributed.init_from_launcher() == (0, 1)  # no MPI needed, none joined
    assert not lg.distributed.is_initialized()
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "4")
    assert lg.distributed.launched_size() == 4


def _train(distributed: bool) -> tuple[dict, list]:
    lg.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Dropout(0.2), nn.Linear(6, 3))
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((30, 4)).astype(np.float32), rng.integers(0, 3, 30)
    h = fit(m, "categorical", optim.Adam(m.parameters()), (x, y), (x, y), epochs=2,
            batch_size=8, progress="quiet", distributed=distributed)  # fmt: skip
    return {k: v.numpy() for k, v in m.state_dict().items()}, [
        {k: v for k, v in row.items() if k != "seconds"} for row in h
    ]


def test_without_a_launcher_distributed_fit_is_the_single_process_fit():
    (w1, h1), (w2, h2) = _train(False), _train(True)
    assert h1 == h2 and all(np.array_equal(w1[k], w2[k]) for k in w1)
    assert not lg.distributed.is_initialized()  # no MPI was needed for a world of one


@needs_mpi4py
def test_mpi_of_one_under_a_launcher_of_two_is_refused(monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")  # the launcher says 2, this MPI sees 1: another MPI
    with pytest.raises(RuntimeError, match=r"the launcher started 2 processes \(PMI_SIZE\)"):
        lg.distributed.init()
    assert not lg.distributed.is_initialized()


@needs_mpi4py
def test_ddp_in_a_world_of_one_keeps_the_gradients_and_names_misuse():
    lg.distributed.init()
    lg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    ddp = nn.parallel.DistributedDataParallel(net, bucket_cap_mb=1e-5)
    assert list(ddp.state_dict()) == [f"module.{k}" for k in net.state_dict()]
    x = lg.randn(5, 3)
    nn.functional.cross_entropy(ddp(x), lg.tensor([0, 1, 1, 0, 1])).sum().backward()
    grads = [p.grad.numpy().copy() for p in net.parameters()]
    ddp.zero_grad()
    plain = nn.functional.cross_entropy(net(x), lg.tensor([0, 1, 1, 0, 1]))
    with ddp.no_sync():  # hooks off: the plain backward is the reference
        plain.backward()
    assert all(np.allclose(g, p.grad.numpy()) for g, p in zip(grads, net.parameters()))
    loss = nn.functional.cross_entropy(ddp(x), lg.tensor([0, 1, 1, 0, 1]))
    loss.backward()  # a second backward adds to the summed gradients, as in torch
    assert all(np.allclose(2 * g, p.grad.numpy()) for g, p in zip(grads, net.parameters()))
    with pytest.raises(ValueError, match="leave device_ids, output_device and dim"):
        nn.parallel.DistributedDataParallel(net, device_ids=[0])
    with pytest.raises(ValueError, match="static_graph is not supported"):
        nn.parallel.DistributedDataParallel(net, static_graph=True)
    with pytest.raises(TypeError, match=r"parameter 0.weight is float16"):
        nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(2, 2)).half())


@needs_mpi4py
def test_a_parameter_left_without_gradient_is_named_at_the_next_forward():
    lg.distributed.init()
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    ddp = nn.parallel.DistributedDataParallel(net)
    out = ddp(lg.randn(2, 3))
    out[:, 0].sum().backward()  # reaches everything: finished inside backward
    ddp(lg.randn(2, 3))
    x = lg.randn(2, 4)
    net[1](x).sum().backward()  # only the second layer: the sum cannot finish
    with pytest.raises(RuntimeError, match="1.bias received a gradient twice in one step"):
        net[1](x).sum().backward()
    with pytest.raises(RuntimeError, match=r"gave no gradient to 0\.bias, 0\.weight, so"):
        ddp(lg.randn(2, 3))
    ddp.synchronize()  # completes it: the step is over
    ddp(lg.randn(2, 3))
