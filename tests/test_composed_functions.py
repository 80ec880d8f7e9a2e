"""torch's composed functions beyond their op-table rows: dtypes, argument forms, edge cases and
the exception types, each side by side with torch (var_mean, nansum, addmm, addcmul, logit,
xlogy, take, broadcast_tensors)."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg

torch = pytest.importorskip("torch")


def same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1].replace(
        "bool", "bool"
    )
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)


X = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]], np.float32)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_nansum_nanmean_match_torch(dim, keepdim):
    for name in ("nansum", "nanmean"):
        same(
            getattr(lg, name)(lg.tensor(X), dim, keepdim),
            getattr(torch, name)(torch.tensor(X), dim, keepdim),
        )


def test_nansum_of_integers_and_dtype():
    same(
        lg.nansum(lg.tensor([1, 2], dtype=lg.int32)),
        torch.nansum(torch.tensor([1, 2], dtype=torch.int32)),
    )
    same(lg.tensor([True, True]).nansum(), torch.tensor([True, True]).nansum())
    same(lg.tensor(X).nansum(dtype=lg.float64), torch.tensor(X).nansum(dtype=torch.float64))
    with pytest.raises(RuntimeError):
        lg.nanmean(lg.tensor([1, 2]))
    with pytest.raises(RuntimeError):
        torch.nanmean(torch.tensor([1, 2]))


def test_var_mean_forms():
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    forms = [((), {}), ((False,), {}), ((1,), {}), ((1, True, True), {}), (((0, 1),), {}),
             ((), {"dim": 0, "correction": 0, "keepdim": True})]  # fmt: skip
    for args, kw in forms:
        for f in ("var_mean", "std_mean"):
            ours, theirs = (
                getattr(lg, f)(lg.tensor(a), *args, **kw),
                getattr(torch, f)(torch.tensor(a), *args, **kw),
            )
            assert isinstance(ours, tuple) and len(ours) == 2
            same(ours[0], theirs[0])
            same(ours[1], theirs[1])
    with pytest.raises(RuntimeError):
        lg.var_mean(lg.tensor([1, 2]))
    one = lg.var_mean(lg.tensor([2.0]))[0]
    assert one.isnan().item() and torch.var_mean(torch.tensor([2.0]))[0].isnan().item()


def test_addmm_edge_cases():
    nan = lg.full((2, 2), float("nan"), requires_grad=True)
    out = lg.addmm(nan, lg.ones(2, 3), lg.ones(3, 2), beta=0)
    same(out.detach(), torch.addmm(torch.full((2, 2), float("nan")), torch.ones(2, 3),
                                   torch.ones(3, 2), beta=0))  # fmt: skip
    out.sum().backward()
    assert np.array_equal(nan.grad.numpy(), np.zeros((2, 2)))
    with pytest.raises(RuntimeError):
        lg.addmm(lg.zeros(3), lg.ones(3), lg.ones(3, 4))
    with pytest.raises(RuntimeError):
        lg.addmm(lg.zeros(2, 3, 4), lg.ones(3, 2), lg.ones(2, 4))
    b = lg.zeros(2, 2)
    assert b.addmm_(lg.ones(2, 3), lg.ones(3, 2)) is b and b[0, 0].item() == 3


def test_addcmul_addcdiv_dtypes_and_inplace():
    i = [lg.tensor([1, 2, 3]), torch.tensor([1, 2, 3])]
    same(lg.addcmul(i[0], i[0], i[0], value=2), torch.addcmul(i[1], i[1], i[1], value=2))
    same(lg.addcmul(i[0], i[0], i[0], value=0.5), torch.addcmul(i[1], i[1], i[1], value=0.5))
    with pytest.raises(RuntimeError):
        lg.addcdiv(lg.zeros(3), i[0], i[0])
    x = lg.zeros(3)
    assert x.addcmul_(lg.ones(3), lg.full((3,), 2.0), value=3) is x
    assert x.addcdiv_(lg.ones(3), lg.full((3,), 2.0)) is x
    assert x.tolist() == [6.5, 6.5, 6.5]
    leaf = lg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.addcmul_(lg.ones(3), lg.ones(3))


def test_logit_and_xlogy_edges():
    p = [0.0, 0.1, 1.0, 1.5]
    same(lg.logit(lg.tensor(p)), torch.logit(torch.tensor(p)))
    same(lg.logit(lg.tensor(p), eps=0.2), torch.logit(torch.tensor(p), eps=0.2))
    same(lg.tensor([0, 1]).logit(), torch.tensor([0, 1]).logit())
    y = lg.tensor([0.25, 0.5]).logit_()
    assert np.allclose(y.numpy(), np.log([1 / 3, 1]))
    xs, ys = [0.0, 1.0, 0.0, 0.0, 2.0], [0.0, 0.0, float("nan"), -1.0, 3.0]
    same(lg.xlogy(lg.tensor(xs), lg.tensor(ys)), torch.xlogy(torch.tensor(xs), torch.tensor(ys)))
    same(lg.xlogy(2, lg.tensor([1, 2])), torch.xlogy(2, torch.tensor([1, 2])))
    same(lg.tensor([1, 0]).xlogy(3), torch.tensor([1, 0]).xlogy(3))


@pytest.mark.parametrize("eps", [None, 0.1])
def test_logit_gradient_at_the_edges(eps):
    p = [0.0, 0.05, 0.1, 0.5, 1.0, 1.5, -0.5]
    x, tx = lg.tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
    lg.logit(x, eps).sum().backward()
    torch.logit(tx, eps).sum().backward()
    same(x.grad, tx.grad)


def test_xlogy_gradient_at_the_edges():
    xs, ys = [0.0, 0, 0, 0, 1, 0, 2], [0.0, 2, -1, float("nan"), 0, float("inf"), 3]
    x, y = lg.tensor(xs, requires_grad=True), lg.tensor(ys, requires_grad=True)
    tx, ty = torch.tensor(xs, requires_grad=True), torch.tensor(ys, requires_grad=True)
    seed = [1.0, 1, 1, 1, 1, 1, 0]  # a zero seed: xlogy(0, y) is 0 in torch's dx
    lg.xlogy(x, y).backward(lg.tensor(seed))
    torch.xlogy(tx, ty).backward(torch.tensor(seed))
    same(x.grad, tx.grad)
    same(y.grad, ty.grad)


def test_take_and_broadcast_errors():
    x = lg.arange(6.0).reshape(2, 3)
    with pytest.raises(IndexError):
        lg.take(x, lg.tensor([6]))
    with pytest.raises(RuntimeError):
        lg.take(x, lg.tensor([1], dtype=lg.int32))
    same(lg.take(x, lg.tensor([[-6, 5]])), torch.take(torch.arange(6.0).reshape(2, 3),
                                                       torch.tensor([[-6, 5]])))  # fmt: skip
    a, b = lg.broadcast_tensors(lg.ones(2, 1), lg.zeros(3))
    assert a.shape == b.shape == (2, 3)
    with pytest.raises(RuntimeError):
        lg.broadcast_tensors(lg.ones(2), lg.ones(3))
    assert lg.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1)
