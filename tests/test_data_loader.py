"""DataLoader batching and reproducibility; to_float, preprocess and standardize."""

import tracemalloc

import numpy as np
import pytest

from likelygrad.data import DataLoader, preprocess, standardize, to_float


def epoch_indices(loader) -> list[list[int]]:
    """Run one epoch over a loader whose x holds example indices; check x and y stay paired."""
    batches = []
    for xb, yb in loader:
        np.testing.assert_array_equal(yb, xb * 10)
        batches.append(xb.tolist())
    return batches


def indexed(n: int, **kwargs) -> DataLoader:
    return DataLoader(np.arange(n), np.arange(n) * 10, **kwargs)


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("n, batch_size", [(0, 3), (1, 3), (10, 3), (12, 3), (12, 12), (5, 128)])
def test_every_example_once_per_epoch(n, batch_size, shuffle):
    loader = indexed(n, batch_size=batch_size, shuffle=shuffle)
    batches = epoch_indices(loader)
    assert len(batches) == len(loader) == -(-n // batch_size)
    assert sorted(i for b in batches for i in b) == list(range(n))
    assert all(len(b) == batch_size for b in batches[:-1])
    if not shuffle:
        assert [i for b in batches for i in b] == list(range(n))


@pytest.mark.parametrize("shuffle", [True, False])
def test_drop_last(shuffle):
    loader = indexed(10, batch_size=3, shuffle=shuffle, drop_last=True)
    batches = epoch_indices(loader)
    assert len(batches) == len(loader) == 3 and all(len(b) == 3 for b in batches)
    assert len(set(i for b in batches for i in b)) == 9
    assert len(indexed(2, batch_size=3, drop_last=True)) == 0


def test_orders_are_reproducible_and_change_every_epoch():
    a, b = indexed(50, batch_size=7, seed=3), indexed(50, batch_size=7, seed=3)
    epochs_a = [epoch_indices(a) for _ in range(3)]
    assert epochs_a == [epoch_indices(b) for _ in range(3)]
    first, second, third = epochs_a
    assert first != second and second != third and first != third  # every pair differs
    assert epoch_indices(indexed(50, batch_size=7, seed=4)) != epochs_a[0]
    assert epochs_a[0] != epoch_indices(indexed(50, batch_size=7, shuffle=False))


def test_resuming_at_an_epoch_sees_the_same_batches():
    uninterrupted = indexed(40, batch_size=6, seed=1)
    history = [epoch_indices(uninterrupted) for _ in range(4)]
    resumed = indexed(40, batch_size=6, seed=1)
    resumed.set_epoch(2)
    assert [epoch_indices(resumed) for _ in range(2)] == history[2:]
    # A checkpoint stores state_dict(); a fresh loader restored from it continues identically.
    checkpointed = indexed(40, batch_size=6, seed=1)
    epoch_indices(checkpointed)
    state = checkpointed.state_dict()
    restored = indexed(40, batch_size=6, seed=99)
    restored.load_state_dict(state)
    assert [epoch_indices(restored) for _ in range(3)] == history[1:]
    # Resuming mid-epoch: batch 3 onward of epoch 2.
    assert [xb.tolist() for xb, _ in resumed.batches(2, start=3)] == history[2][3:]


def test_breaking_out_early_still_advances_the_epoch():
    loader = indexed(30, batch_size=4)
    first = next(iter(loader))[0].tolist()
    assert loader.epoch == 1
    assert epoch_indices(loader)[0] != first


def test_seed_none_is_random_but_resumable():
    a, b = indexed(30, batch_size=30, seed=None), indexed(30, batch_size=30, seed=None)
    assert a.seed != b.seed
    c = indexed(30, batch_size=30)
    c.load_state_dict(a.state_dict())
    assert epoch_indices(a) == epoch_indices(c)


def test_unshuffled_batches_are_views_and_shuffled_ones_copy_only_a_batch():
    x, y = np.zeros((20_000, 50)), np.zeros(20_000)
    for xb, yb in DataLoader(x, y, batch_size=1000, shuffle=False):
        assert np.shares_memory(xb, x) and np.shares_memory(yb, y)
    loader = DataLoader(x, y, batch_size=1000)
    tracemalloc.start()
    try:
        for xb, yb in loader:
            assert not np.shares_memory(xb, x)
            del xb, yb
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < x.nbytes / 8  # one batch (400 kB) and the permutation, never a copy of x


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"y": np.zeros(9)}, ValueError, "x has 10 examples but y has 9"),
        ({"batch_size": 0}, ValueError, "batch_size must be at least 1, got 0"),
        ({"batch_size": -5}, ValueError, "batch_size must be at least 1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an int"),
        ({"seed": -1}, ValueError, "seed must be a non-negative"),
        ({"x": np.float64(1.0)}, ValueError, "leading example axis"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    args = {"x": np.zeros((10, 2)), "y": np.zeros(10)} | kwargs
    with pytest.raises(error, match=match):
        DataLoader(**args)


IMAGES = np.random.default_rng(0).integers(0, 256, (50, 4, 4), dtype=np.uint8)
IMAGES[0] = 255
IMAGES[:, 0, 0] = 7  # a pixel that never varies


def test_to_float_scales_and_flattens():
    x = to_float(IMAGES)
    assert x.dtype == np.float32 and x.shape == (50, 16)
    assert x.max() == 1.0 and x.min() >= 0.0
    np.testing.assert_allclose(x, IMAGES.reshape(50, 16) / 255, rtol=1e-7)
    assert to_float(IMAGES, flatten=False).shape == (50, 4, 4)
    floats = np.full((2, 3), 0.5)
    assert to_float(floats).dtype == np.float32 and not np.shares_memory(to_float(floats), floats)
    with pytest.raises(TypeError, match="expected uint8"):
        to_float(IMAGES.astype(np.int64))


@pytest.mark.parametrize("per_feature", [False, True])
def test_standardize_uses_training_statistics_only(per_feature):
    train, test = IMAGES[:40], IMAGES[40:]
    x_train, stats = preprocess(train, "standardize", per_feature=per_feature)
    x_test, same = preprocess(test, "standardize", stats=stats)
    assert same is stats and x_train.dtype == x_test.dtype == np.float32
    reference = train.reshape(40, -1) / 255.0
    axis = 0 if per_feature else None
    mean, std = reference.mean(axis=axis), reference.std(axis=axis)
    std = np.where(std < 1e-8, 1.0, std)  # the constant pixel is centred, not divided by ~0
    np.testing.assert_allclose(stats["mean"], mean, rtol=1e-6)
    np.testing.assert_allclose(x_test, (test.reshape(10, -1) / 255.0 - mean) / std, atol=1e-5)
    assert abs(x_train.mean()) < 1e-5 and np.isfinite(x_train).all()
    if not per_feature:
        assert stats["mean"].shape == () and abs(x_train.std() - 1) < 1e-5
    a, b = standardize(train, test, per_feature=per_feature)
    np.testing.assert_array_equal(a, x_train)
    np.testing.assert_array_equal(b, x_test)


def test_preprocess_unit_and_errors():
    x, stats = preprocess(IMAGES)
    assert stats is None and x.shape == (50, 16) and x.max() == 1.0
    with pytest.raises(ValueError, match="mode must be 'unit' or 'standardize', got 'zscore'"):
        preprocess(IMAGES, "zscore")
    _, stats = preprocess(IMAGES, "standardize", per_feature=True)
    with pytest.raises(ValueError, match="stats only apply"):
        preprocess(IMAGES, "unit", stats=stats)
    with pytest.raises(ValueError, match=r"do not fit features of shape \(4,\)"):
        preprocess(IMAGES[:, :2, :2], "standardize", stats=stats)


def test_standardize_does_not_modify_its_input():
    floats = IMAGES.reshape(50, -1) / 255.0
    before = floats.copy()
    standardize(floats, floats)
    np.testing.assert_array_equal(floats, before)
