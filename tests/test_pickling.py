"""Tensors and modules pickle (for multiprocessing and copies), as in torch; files are never
loaded with pickle (see test_train.py and test_checkpoint_fuzz.py)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import likelygrad as lg


def test_leaves_parameters_and_modules_round_trip():
    lg.manual_seed(0)
    model = lg.nn.Sequential(lg.nn.Linear(3, 4), lg.nn.Tanh(), lg.nn.Linear(4, 2))
    copy = pickle.loads(pickle.dumps(model))
    for (k, p), (j, q) in zip(model.named_parameters(), copy.named_parameters()):
        assert k == j and type(q) is lg.nn.Parameter and q.requires_grad
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        assert not np.shares_memory(p.numpy(), q.numpy())
    x = lg.randn(5, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), copy(x).detach().numpy())
    t = pickle.loads(pickle.dumps(lg.tensor([1, 2, 3])))
    assert t.dtype == lg.int64 and t.tolist() == [1, 2, 3] and not t.requires_grad


def test_non_leaves_refuse_as_in_torch():
    x = lg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        pickle.dumps(x * 2)
    assert pickle.loads(pickle.dumps((x * 2).detach())).tolist() == [2.0]
