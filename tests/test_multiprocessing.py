"""Hogwild: processes train one model whose parameters live in shared memory (torch.multiprocessing
and Module.share_memory, as pytorch/examples' mnist_hogwild uses them)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import likelygrad as lg
import likelygrad.multiprocessing as mp
from likelygrad import nn


def _train(model, seed, steps):
    """A worker: SGD steps on its own data, in place on the (shared) parameters."""
    lg.manual_seed(seed)
    optimizer = lg.optim.SGD(model.parameters(), lr=0.1)
    x, y = lg.randn(32, 4), lg.randn(32, 1)
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_processes_train_the_shared_model_in_place(method):
    if method not in mp.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    model = nn.Linear(4, 1)
    before = model.weight.detach().clone()
    assert model.share_memory() is model and model.weight.is_shared() and model.bias.is_shared()
    context = mp.get_context(method)
    workers = [context.Process(target=_train, args=(model, rank, 5)) for rank in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=120)
    assert [p.exitcode for p in workers] == [0, 0]
    assert not np.allclose(model.weight.detach().numpy(), before.numpy())  # they trained it
    _train(model, 7, 1)  # and the parent's own steps still work on the shared memory
    assert model.weight.grad is not None and model.weight.is_shared()


def test_shared_tensors_pickle_as_the_same_memory():
    t = lg.arange(4.0).share_memory_()
    twin = pickle.loads(pickle.dumps(t))  # what a Process's arguments go through
    twin.add_(10)  # in place, as an optimizer's step
    assert t.tolist() == [10.0, 11.0, 12.0, 13.0] and twin.is_shared()
    plain = pickle.loads(pickle.dumps(lg.arange(2.0)))
    assert not plain.is_shared() and plain.tolist() == [0.0, 1.0]
    assert not (t + 1).is_shared()  # results are ordinary tensors
