"""Edge cases where likelygrad once differed from torch silently or with another exception
type (found by running the same code on both). Each runs on likelygrad and, where torch is
installed, on torch, with the same expectation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import likelygrad as lg


def libs():
    out = [lg]
    try:
        import torch

        out.append(torch)
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_contiguous_makes_row_major_memory_that_views_share(lib):
    y = lib.arange(6.0).view(2, 3).t().contiguous()
    assert y.is_contiguous()
    y.view(-1)[0] = 100.0  # a view of contiguous memory writes through
    assert float(y[0, 0]) == 100.0
    z = lib.ones(3).expand(2, 3).contiguous()
    assert z.is_contiguous() and tuple(z.shape) == (2, 3)
    w = lib.arange(6.0, requires_grad=True)
    w.view(2, 3).t().contiguous().sum().backward()
    assert w.grad.tolist() == [1.0] * 6


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_a_uint8_index_is_a_mask_with_a_deprecation_warning(lib):
    mask = lib.tensor([1, 0, 1], dtype=lib.uint8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        picked = lib.arange(3)[mask]
    assert picked.tolist() == [0, 2]
    assert any("uint8" in str(w.message) for w in caught)


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "op",
    [lambda lib, a: a // 0, lambda lib, a: a % 0, lambda lib, a: lib.fmod(a, 0),
     lambda lib, a: a.div(lib.tensor([1, 0]), rounding_mode="trunc")],
)  # fmt: skip
def test_integer_division_by_zero_raises(lib, op):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        op(lib, lib.tensor([5, -3]))
    with np.errstate(all="ignore"):
        floats = op(lib, lib.tensor([5.0, -3.0]))  # floats give inf or nan, no error
    assert not bool(lib.isfinite(floats).all())


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_float32_cumsum_does_not_drift(lib):
    total = float(lib.full((10**6,), 0.1).cumsum(0)[-1])
    assert total == pytest.approx(100000.0, rel=1e-6)  # float32 running sums drift by 1%
    assert lib.tensor([1, 2, 3]).cumsum(0).tolist() == [1, 3, 6]


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_a_list_of_one_element_tensors_is_a_list_of_scalars(lib):
    t = lib.tensor
    assert tuple(t([t([1.0]), t([2.0])]).shape) == (2,)
    assert tuple(t([[t([1.0])], [t([2.0])]]).shape) == (2, 1)
    assert tuple(t([t(1.0), 2.0]).shape) == (2,)
    assert t([t(1.0, dtype=lib.float64), t(2.0, dtype=lib.float64)]).dtype == lib.float64
    assert t([t(1, dtype=lib.int32)]).dtype == lib.int32
    with pytest.raises(ValueError, match="only one element tensors"):
        t([t([1.0, 2.0]), t([3.0, 4.0])])


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_shape_errors_are_runtime_errors(lib):
    with pytest.raises(RuntimeError):
        lib.ones(2, 3) + lib.ones(3, 2)
    with pytest.raises(RuntimeError):
        lib.ones(2, 3) @ lib.ones(2, 3)
    with pytest.raises(RuntimeError):
        lib.nn.Linear(5, 3)(lib.ones(4, 6))
    m = lib.nn.Linear(2, 2)
    sd = m.state_dict()
    del sd["bias"]
    with pytest.raises(RuntimeError):  # the usual `except RuntimeError:` fallback
        m.load_state_dict(sd)
    sd = {"weight": lib.zeros(3, 2), "bias": lib.zeros(2)}
    with pytest.raises(RuntimeError):  # a size mismatch even when strict=False
        m.load_state_dict(sd, strict=False)


def test_likelygrads_shape_errors_are_value_errors_too():
    with pytest.raises(ValueError, match="cannot be broadcast"):
        lg.ones(2, 3) + lg.ones(3, 2)


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_factories_take_size_as_a_keyword(lib):
    assert tuple(lib.zeros(size=(2,)).shape) == (2,)
    assert tuple(lib.ones(size=(2, 3)).shape) == (2, 3)
    assert tuple(lib.empty(size=[4]).shape) == (4,)
    assert tuple(lib.randn(size=(2, 3)).shape) == (2, 3)
    assert tuple(lib.rand(size=(1,)).shape) == (1,)
    assert np.asarray(lib.zeros(2, 3)).shape == (2, 3)


ERRORS = {  # what torch raises; likelygrad's error is that type too (and often also NumPy's)
    "tensor(None)": (lambda L: L.tensor(None), RuntimeError),
    "int32 overflow": (lambda L: L.tensor([2**40], dtype=L.int32), RuntimeError),
    "int() of two elements": (lambda L: int(L.tensor([2, 3])), ValueError),
    "float() of two elements": (lambda L: float(L.tensor([2.0, 3.0])), ValueError),
    "item() of two elements": (lambda L: L.tensor([2, 3]).item(), RuntimeError),
    "cat([])": (lambda L: L.cat([]), ValueError),
    "TensorDataset sizes": (
        lambda L: L.utils.data.TensorDataset(L.zeros(3), L.zeros(4)),
        AssertionError,
    ),
    "zeros(-1)": (lambda L: L.zeros(-1), RuntimeError),
    "setitem shapes": (lambda L: L.zeros(3).__setitem__(slice(None), L.ones(2)), RuntimeError),
    "int ** -1": (lambda L: L.tensor([2]) ** -1, RuntimeError),
    "ragged batch": (
        lambda L: next(iter(L.utils.data.DataLoader([L.zeros(2), L.zeros(3)], batch_size=2))),
        RuntimeError,
    ),
}


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_have_torchs_exception_types(lib, case):
    make, expected = ERRORS[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(expected):
            make(lib)


def test_likelygrads_errors_keep_their_older_types_too():
    with pytest.raises(TypeError):
        lg.tensor(None)
    with pytest.raises(OverflowError):
        lg.tensor([2**40], dtype=lg.int32)
    with pytest.raises(ValueError):
        lg.zeros(3).__setitem__(slice(None), lg.ones(2))
    with pytest.raises(ValueError):
        lg.utils.data.TensorDataset(lg.zeros(3), lg.zeros(4))


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_sign_of_nan_is_zero(lib):
    assert lib.sign(lib.tensor([float("nan"), -2.0, 0.0, 3.0])).tolist() == [0.0, -1.0, 0.0, 1.0]


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "values, grad",
    [([1.0, 2.0, 2.0, 3.0], [0.0, 0.5, 0.5, 0.0]),
     ([0.1, 0.1, 0.1, 3.0], [1 / 3, 1 / 3, 1 / 3, 0.0]),
     ([1.0, float("nan"), 2.0, float("nan")], [0.0, 0.5, 0.0, 0.5])],
)  # fmt: skip
def test_median_of_all_elements_shares_its_gradient_among_ties(lib, values, grad):
    x = lib.tensor(values, requires_grad=True)
    m = x.median()
    m.backward()
    want = lib.tensor(values).median().item()  # the value itself is unchanged, exactly
    assert (np.isnan(want) and np.isnan(m.item())) or m.item() == want
    np.testing.assert_allclose(x.grad.tolist(), grad, rtol=1e-6)
    y = lib.tensor(values, requires_grad=True)
    y.median(0).values.backward()  # along a dim: all of it to the index returned
    assert sorted(y.grad.tolist()) == [0.0, 0.0, 0.0, 1.0]


def _warned(fn, text):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return any(text in str(w.message) for w in caught)


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_torchs_warnings_for_likely_mistakes(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    assert _warned(lambda: y.grad, "not a leaf Tensor")  # a non-leaf's .grad stays None
    y.retain_grad()
    y.sum().backward()
    assert not _warned(lambda: (x.grad, y.grad), "not a leaf Tensor")
    assert _warned(lambda: lib.ones(2, 3, 4).T, "x.T")
    assert not _warned(lambda: lib.ones(2, 3).T, "x.T")
    m = lib.nn.Linear(2, 2)
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    sched = lib.optim.lr_scheduler.StepLR(opt, 1)
    assert _warned(sched.step, "before `optimizer.step()`")
    opt2 = lib.optim.SGD(m.parameters(), lr=0.1)
    sched2 = lib.optim.lr_scheduler.StepLR(opt2, 1)
    m(lib.ones(1, 2)).sum().backward()
    opt2.step()
    assert not _warned(sched2.step, "before `optimizer.step()`")
