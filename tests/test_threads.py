"""lg.set_num_threads / lg.get_num_threads: torch's argument checks, and never a failure when
threadpoolctl is missing."""

from __future__ import annotations

import sys

import pytest

import likelygrad as lg
from likelygrad import threads


@pytest.fixture
def restore_threads():
    before = lg.get_num_threads()
    yield
    lg.set_num_threads(before)


def test_set_then_get(restore_threads):
    assert lg.get_num_threads() >= 1
    lg.set_num_threads(1)
    assert lg.get_num_threads() == 1
    threadpoolctl = pytest.importorskip("threadpoolctl")
    assert all(p["num_threads"] == 1 for p in threadpoolctl.threadpool_info())


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_counts_raise_as_torch(bad):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        lg.set_num_threads(bad)
    if bad is not True:  # torch takes True as 1
        with pytest.raises(RuntimeError):
            torch.set_num_threads(bad)


def test_without_threadpoolctl(monkeypatch, restore_threads):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    monkeypatch.setattr(threads, "_requested", None)
    assert lg.get_num_threads() >= 1
    lg.set_num_threads(3)
    assert lg.get_num_threads() == 3
