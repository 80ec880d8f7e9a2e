"""likelygrad.utils.data against torch.utils.data: collation, datasets, samplers, DataLoader.

Structures are compared through `plain`, which turns tensors of either library into
("tensor", dtype name, shape, values) and keeps container types, so a list where torch returns
a tuple, or float32 where torch gives float64, fails.
"""

from __future__ import annotations

import collections
import gc

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.utils import data as D

Pair = collections.namedtuple("Pair", "a b")


def plain(obj):
    """Tensors as ('tensor', dtype, shape, values); containers kept with their types."""
    if hasattr(obj, "detach") and hasattr(obj, "dtype"):  # a tensor of either library
        arr = obj.detach().cpu().numpy() if hasattr(obj, "cpu") else obj.numpy()
        return ("tensor", str(arr.dtype), arr.shape, arr.tolist())
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return ("namedtuple", tuple(plain(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [plain(v) for v in obj])
    return obj


def to_torch(obj, torch):
    """The same example with likelygrad tensors replaced by torch tensors."""
    if isinstance(obj, lg.Tensor):
        return torch.from_numpy(obj.numpy().copy())
    if isinstance(obj, dict):
        return {k: to_torch(v, torch) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_torch(v, torch) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(v, torch) for v in obj)
    return obj


BATCHES = {
    "ints": [1, 2, 3],
    "floats": [1.5, 2.0],
    "bools": [True, False],
    "mixed-int-first": [1, 2.5],
    "numpy-scalars": [np.float32(1.5), np.float32(2.0)],
    "numpy-ints": [np.int16(1), np.int16(2)],
    "numpy-arrays": [np.arange(3, dtype=np.float64), np.ones(3, np.float64)],
    "numpy-0d": [np.array(1.5), np.array(2.5)],
    "tensors": [lg.tensor([1.0, 2.0]), lg.tensor([3.0, 4.0])],
    "int-tensors": [lg.tensor(1), lg.tensor(2)],
    "tuples": [(lg.tensor([1.0]), 1, "a"), (lg.tensor([2.0]), 2, "b")],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"x": np.zeros(2), "y": 1, "s": "p"}, {"x": np.ones(2), "y": 2, "s": "q"}],
    "namedtuples": [Pair(1, 2.0), Pair(3, 4.0)],
    "nested": [{"a": [(1, 2.0)], "b": {"c": b"x"}}, {"a": [(3, 4.0)], "b": {"c": b"y"}}],
    "strings": ["a", "b"],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate

    batch = BATCHES[name]
    assert plain(D.default_collate(batch)) == plain(default_collate(to_torch(batch, torch)))


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_convert_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_convert

    for item in BATCHES[name]:
        assert plain(D.default_convert(item)) == plain(default_convert(to_torch(item, torch)))


@pytest.mark.parametrize("batch,error,message", [
    ([object()], TypeError, "batch must contain tensors, numpy arrays, numbers, dicts or lists"),
    ([[1, 2], [3]], RuntimeError, "each element in list of batch should be of equal size"),
    ([np.array(["a"])], TypeError, "found <U1"),
])  # fmt: skip
def test_default_collate_errors_as_torch(batch, error, message):
    with pytest.raises(error, match=message):
        D.default_collate(batch)


def tensor_data(n=10):
    x = lg.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    return x, lg.tensor(np.arange(n) * 2)


def test_tensor_dataset_indexing_matches_torch():
    torch = pytest.importorskip("torch")
    x, y = tensor_data()
    ours = D.TensorDataset(x, y)
    theirs = torch.utils.data.TensorDataset(*(to_torch(t, torch) for t in (x, y)))
    assert len(ours) == len(theirs) == 10
    for index in [3, -1, slice(2, 5), slice(None, None, 3)]:
        assert plain(ours[index]) == plain(theirs[index])
    assert plain(ours[lg.tensor([4, 1])]) == plain(theirs[torch.tensor([4, 1])])
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        D.TensorDataset(x, y[:5])
    numpy_ds = D.TensorDataset(np.zeros((4, 2)), np.arange(4))  # arrays are wrapped, not copied
    assert isinstance(numpy_ds[0][0], lg.Tensor) and numpy_ds[3][1].item() == 3


def loaders(dataset, **kwargs):
    """The same loader through the fast path and through item-by-item collation."""
    slow = dict(kwargs, collate_fn=lambda items: D.default_collate(items))
    return D.DataLoader(dataset, **kwargs), D.DataLoader(dataset, **slow)


@pytest.mark.parametrize("kwargs", [
    {"batch_size": 4}, {"batch_size": 4, "drop_last": True}, {"batch_size": 3, "shuffle": True},
    {"batch_size": 20}, {"sampler": D.SubsetRandomSampler([1, 5, 7, 8]), "batch_size": 3},
    {"batch_sampler": [[3, 1], [9, -1, 0]]},
])  # fmt: skip
def test_fast_path_equals_item_by_item_collation(kwargs):
    dataset = D.TensorDataset(*tensor_data())
    lg.manual_seed(3)
    fast_loader, slow_loader = loaders(dataset, **kwargs)
    fast = [plain(b) for b in fast_loader]
    lg.manual_seed(3)
    slow = [plain(b) for b in slow_loader]
    assert fast == slow and len(fast) == len(fast_loader)


def test_loader_batches_and_lengths_match_torch():
    torch = pytest.importorskip("torch")
    x, y = tensor_data(11)
    ours, theirs = D.TensorDataset(x, y), torch.utils.data.TensorDataset(*to_torch((x, y), torch))
    for kwargs in [{}, {"batch_size": 4}, {"batch_size": 4, "drop_last": True},
                   {"batch_size": None}, {"batch_sampler": [[3, 1], [2]]},
                   {"sampler": [5, 0, 3], "batch_size": 2}]:  # fmt: skip
        a, b = D.DataLoader(ours, **kwargs), torch.utils.data.DataLoader(theirs, **kwargs)
        assert len(a) == len(b) and plain(list(a)) == plain(list(b)), kwargs


class Stream(D.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = D.get_worker_info()
        start = 0 if info is None else info.id
        step = 1 if info is None else info.num_workers
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


def test_iterable_dataset_matches_torch():
    torch = pytest.importorskip("torch")

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    settings = [{}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}]
    for kwargs in settings:
        a, b = (
            D.DataLoader(Stream(7), **kwargs),
            torch.utils.data.DataLoader(TorchStream(), **kwargs),
        )
        assert len(a) == len(b) and plain(list(a)) == plain(list(b)), kwargs
    assert list(D.ChainDataset([Stream(2), Stream(3)])) == [0, 1, 0, 1, 2]


@pytest.mark.parametrize("kwargs", [
    {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2}, {"persistent_workers": True},
    {"sampler": [1], "shuffle": True}, {"batch_sampler": [[1]], "batch_size": 2},
    {"batch_size": None, "drop_last": True}, {"multiprocessing_context": "fork"},
    {"batch_sampler": [[1]], "drop_last": True},
])  # fmt: skip
def test_loader_argument_errors_match_torch(kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(4)), **kwargs)
    with pytest.raises(ValueError) as ours:
        D.DataLoader(D.TensorDataset(lg.arange(4)), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_iterable_loader_errors_and_frozen_attributes():
    for kwargs, text in [({"shuffle": True}, "expected unspecified shuffle option"),
                         ({"sampler": [1]}, "expected unspecified sampler option")]:  # fmt: skip
        with pytest.raises(ValueError, match=text):
            D.DataLoader(Stream(3), **kwargs)
    loader = D.DataLoader(D.TensorDataset(lg.arange(4)))
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 2
    loader.num_workers = 2  # not frozen, as in torch
    assert loader.dataset.tensors[0].shape == (4,)


def test_shuffle_order_comes_from_generator():
    dataset = D.TensorDataset(lg.arange(50))

    def order(**kwargs):
        return np.concatenate([b[0].numpy() for b in D.DataLoader(dataset, 8, True, **kwargs)])

    first = order(generator=lg.Generator().manual_seed(5))
    assert np.array_equal(first, order(generator=lg.Generator().manual_seed(5)))
    assert np.array_equal(first, order(generator=np.random.default_rng(5)))  # a NumPy one too
    assert not np.array_equal(first, order(generator=lg.Generator().manual_seed(6)))
    assert sorted(first.tolist()) == list(range(50))
    lg.manual_seed(0)
    a, b = order(), order()  # two epochs differ
    lg.manual_seed(0)
    assert np.array_equal(a, order()) and not np.array_equal(a, b)
    g = lg.Generator().manual_seed(1)
    loader = D.DataLoader(dataset, 8, shuffle=True, generator=g)
    epochs = [np.concatenate([b[0].numpy() for b in loader]) for _ in range(2)]
    assert not np.array_equal(*epochs)


def test_recycled_buffers_are_never_overwritten_while_held():
    x, y = tensor_data(40)
    loader = D.DataLoader(D.TensorDataset(x, y), batch_size=8, shuffle=True)
    lg.manual_seed(1)
    held = [(xb, yb.numpy().copy()) for xb, yb in loader]  # tensors kept: no reuse possible
    for xb, yb in held:
        np.testing.assert_array_equal(xb.numpy(), x.numpy()[yb // 2])
    view_only = [xb[0:2] for xb, _ in loader]  # a view keeps its buffer alive too
    ids = {id(v._base.array) if v._base is not None else id(v.array) for v in view_only}
    assert len(ids) == len(view_only)
    del held, view_only
    gc.collect()
    seen = set()
    for xb, yb in loader:  # dropped each step: buffers are recycled after the first two
        seen.add(id(xb.array))
        np.testing.assert_array_equal(xb.numpy(), x.numpy()[yb.numpy() // 2])
        assert not np.shares_memory(xb.numpy(), x.numpy())
    assert len(seen) <= 3


def test_random_split_sizes_match_torch_and_generator_decides():
    torch = pytest.importorskip("torch")
    for n, lengths in [(10, [0.3, 0.7]), (11, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]), (7, [3, 4])]:
        ours = D.random_split(range(n), lengths, generator=lg.Generator().manual_seed(0))
        theirs = torch.utils.data.random_split(range(n), lengths)
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        assert sorted(i for s in ours for i in s) == list(range(n))
    a = D.random_split(range(20), [5, 15], generator=lg.Generator().manual_seed(4))
    b = D.random_split(range(20), [5, 15], generator=lg.Generator().manual_seed(4))
    assert list(a[0]) == list(b[0]) and a[0].indices != list(range(5))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        D.random_split(range(5), [2, 2])
    with pytest.raises(ValueError, match="Fraction at index 2 is not between 0 and 1"):
        D.random_split(range(5), [0.5, 0.7, -0.2])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        D.random_split(range(2), [1.0, 0.0])


def test_subset_concat_stack_and_getitems():
    x, y = tensor_data()
    dataset = D.TensorDataset(x, y)
    sub = D.Subset(dataset, [7, 2, 5])
    assert len(sub) == 3 and sub[1][1].item() == 4 and sub[[0, 2]][1].tolist() == [14, 10]
    fast, slow = loaders(sub, batch_size=2)
    assert plain(list(fast)) == plain(list(slow))
    both = dataset + D.TensorDataset(*tensor_data(4))
    assert isinstance(both, D.ConcatDataset) and len(both) == 14
    assert both[11][1].item() == 2 and both[-1][1].item() == 6
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        both[-15]
    pairs = D.StackDataset(x, y)
    assert pairs[3][1].item() == 6 and len(pairs) == 10
    named = D.StackDataset(image=x, label=y)
    assert set(named[0]) == {"image", "label"}

    class Counting(D.Dataset):
        def __init__(self):
            self.calls = []

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [float(i) for i in indices]

        def __len__(self):
            return 5

    counting = Counting()
    batches = list(D.DataLoader(counting, batch_size=2))
    assert counting.calls == [[0, 1], [2, 3], [4]] and batches[0].dtype == lg.float64


def test_samplers_match_torch_where_deterministic():
    torch = pytest.importorskip("torch")
    for batch_size, drop_last in [(3, False), (3, True), (10, False)]:
        ours = D.BatchSampler(D.SequentialSampler(range(8)), batch_size, drop_last)
        theirs = torch.utils.data.BatchSampler(range(8), batch_size, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        assert [b.tolist() for b in ours.index_batches()] == list(theirs)
    for make in [lambda m: m.BatchSampler([1], 0, False), lambda m: m.BatchSampler([1], 2, 1),
                 lambda m: m.RandomSampler(range(3), num_samples=0),
                 lambda m: m.WeightedRandomSampler([1.0], 0)]:  # fmt: skip
        with pytest.raises(ValueError) as theirs:
            make(torch.utils.data)
        with pytest.raises(ValueError) as ours:
            make(D)
        assert str(ours.value) == str(theirs.value)


def test_random_samplers():
    g = lg.Generator().manual_seed(0)
    assert sorted(D.RandomSampler(range(9), generator=g)) == list(range(9))
    blocks = list(D.RandomSampler(range(4), num_samples=10, generator=g))
    assert len(blocks) == 10 and sorted(blocks[:4]) == sorted(blocks[4:8]) == [0, 1, 2, 3]
    drawn = list(D.RandomSampler(range(3), replacement=True, num_samples=50, generator=g))
    assert len(drawn) == 50 and set(drawn) == {0, 1, 2}
    assert sorted(D.SubsetRandomSampler([4, 9, 2], generator=g)) == [2, 4, 9]
    picks = list(D.WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=g))
    counts = np.bincount(picks, minlength=3)
    assert counts[0] == 0 and 2.5 < counts[2] / counts[1] < 3.5
    once = list(D.WeightedRandomSampler([1.0, 1.0, 0.0, 1.0], 3, replacement=False, generator=g))
    assert sorted(once) == [0, 1, 3]


def test_workers_run_in_process_with_the_same_batches():
    dataset = D.TensorDataset(*tensor_data())
    lg.manual_seed(2)
    plain_batches = plain(list(D.DataLoader(dataset, 4, shuffle=True)))
    calls = []

    def init(worker_id):
        info = D.get_worker_info()
        calls.append((worker_id, info.id, info.num_workers, info.dataset is dataset))

    lg.manual_seed(2)
    loader = D.DataLoader(dataset, 4, shuffle=True, num_workers=3, worker_init_fn=init,
                          prefetch_factor=2, persistent_workers=True)  # fmt: skip
    assert plain(list(loader)) == plain_batches and calls == [(0, 0, 1, True)]
    assert D.get_worker_info() is None
    streamed = [b.tolist() for b in D.DataLoader(Stream(5), batch_size=2, num_workers=2)]
    assert streamed == [[0, 1], [2, 3], [4]]  # sharding by worker info keeps every example
    iterator = iter(D.DataLoader(dataset, batch_size=3))
    assert len(iterator) == 4 and len(list(iterator)) == 4
