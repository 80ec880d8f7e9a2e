"""lg.tensor's copies of large arrays go into recycled buffers (issue 15): after warm-up a
training loop's `lg.tensor(X[idx])` allocates no new block, and a tensor still held is never
overwritten."""

from __future__ import annotations

import numpy as np

import likelygrad as lg
from likelygrad import buffers


def test_a_loop_reuses_its_copies_and_never_overwrites_a_held_tensor():
    x = np.random.default_rng(0).standard_normal((4096, 784)).astype(np.float32)
    made = set()
    for s in range(0, 2048, 128):
        t = lg.tensor(x[s : s + 128])  # the previous t dies at this rebinding
        assert any(t.array is b for b in buffers.COPIES.pool)  # a pooled buffer, not malloc's
        made.add(id(t.array))
        np.testing.assert_array_equal(t.numpy(), x[s : s + 128])
    assert len(made) <= 2  # two buffers alternate: the new copy is made while the old one lives
    kept = [lg.tensor(x[:128]) for _ in range(3)]  # held tensors: each its own buffer
    assert len({id(k.array) for k in kept}) == 3
    for k in kept:
        np.testing.assert_array_equal(k.numpy(), x[:128])


def test_small_arrays_and_other_dtypes_are_plain_copies():
    a = np.arange(10.0)
    t = lg.tensor(a)
    a[0] = 99
    assert t[0].item() == 0.0 and not np.shares_memory(t.numpy(), a)
    assert lg.tensor(a, dtype=lg.float32).dtype == lg.float32
    assert buffers.LARGE > a.nbytes


def test_fits_loader_recycles_its_batches_and_never_overwrites_a_held_one():
    """likelygrad.data.DataLoader (what fit uses) gathers into recycled buffers: two alternate
    in a loop that drops each batch, and a batch the caller keeps is never written again."""
    from likelygrad.data import DataLoader

    x = np.arange(4000, dtype=np.float32).reshape(1000, 4)
    y = np.arange(1000)
    loader = DataLoader(x, y, batch_size=100, seed=3)
    pooled = 0
    for xb, yb in loader:
        pooled += any(xb is b for b in loader._buffers[0].pool)
        np.testing.assert_array_equal(xb, x[yb])
    assert pooled == 10 and len(loader._buffers[0].pool) <= 3  # recycled, not one per batch
    kept = list(loader)
    copies = [(xb.copy(), yb.copy()) for xb, yb in kept]
    for (xb, yb), (xc, yc) in zip(kept, copies):
        np.testing.assert_array_equal(xb, xc)
        np.testing.assert_array_equal(yb, yc)
        np.testing.assert_array_equal(xb, x[yb])
