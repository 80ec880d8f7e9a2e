"""Tensor construction, dtype rules and the NumPy/PyTorch-style surface."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg


def test_dtype_inference_follows_torch():
    assert lg.tensor(1).dtype == lg.int64 and lg.tensor([1, 2, 3]).dtype == lg.int64
    assert lg.tensor([[1.5]]).dtype == lg.float32 and lg.tensor([1, 2.5]).dtype == lg.float32
    assert lg.tensor([True, False]).dtype == lg.bool and lg.tensor([]).dtype == lg.float32
    assert lg.tensor([[1.5]], dtype=lg.float64).dtype == np.float64
    x = lg.arange(5.0)
    assert x[lg.tensor([0, 2])].tolist() == [0.0, 2.0]  # int tensors index
    assert x[lg.tensor([True, False, True, False, False])].tolist() == [0.0, 2.0]  # bools mask


def test_numpy_arrays_keep_their_dtype():
    assert lg.tensor(np.zeros(2)).dtype == np.float64
    assert lg.tensor(np.zeros(2, np.float32)).dtype == np.float32
    assert lg.tensor(np.zeros(2, np.int64)).dtype == np.int64
    assert lg.tensor([1, 2], dtype=lg.float64).dtype == np.float64


def test_tensor_copies_and_from_numpy_shares():
    a = np.zeros(3)
    t = lg.tensor(a)
    a[0] = 1
    assert t.numpy()[0] == 0
    assert np.shares_memory(lg.from_numpy(a).numpy(), a)
    assert np.shares_memory(lg.as_tensor(a).numpy(), a)  # wrapping a batch costs no copy
    assert not np.shares_memory(lg.tensor(a, requires_grad=True).numpy(), a)
    assert lg.Tensor(a).dtype == lg.float32  # torch's legacy constructor: the default dtype
    assert lg.Tensor(2, 3).shape == (2, 3)


def test_integer_and_bool_data_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        lg.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="bool"):
        lg.tensor(np.array([True]), requires_grad=True)


def test_shape_is_a_size_as_torch():
    """x.shape and x.size() are Sizes: tuples whose slices, sums and repeats stay Sizes."""
    s = lg.zeros(2, 3).shape
    assert type(s) is lg.Size and s == (2, 3) and hash(s) == hash((2, 3)) and s.numel() == 6
    assert type(s[1:]) is lg.Size and s[1:] == (3,) and type(s[0]) is int
    assert type(s + (4,)) is lg.Size and s + (4,) == (2, 3, 4) and (1,) + s == (1, 2, 3)
    assert type((1,) + s) is lg.Size and s * 2 == (2, 3, 2, 3) and type(2 * s) is lg.Size
    assert repr(s) == "lg.Size([2, 3])" and lg.zeros(()).shape.numel() == 1
    with pytest.raises(TypeError):
        s + [1]  # noqa: RUF005  (a list is refused, as by tuples and torch.Size)
    assert type(s * np.int64(2)) is lg.Size  # a NumPy integer repeats, as an int does
    assert (s * np.array(2)).tolist() == [4, 6] and (s * lg.tensor(2)).tolist() == [4, 6]
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, 3).shape
    assert (t[1:], t + (4,), (1,) + t, t * 2) == (s[1:], s + (4,), (1,) + s, s * 2)
    assert (t * np.array(2)).tolist() == (s * np.array(2)).tolist()


def test_attributes_and_conversions():
    t = lg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert t.shape == (2, 2) and t.ndim == 2 and t.requires_grad and t.grad is None
    assert np.asarray(t).shape == (2, 2) and isinstance(t.numpy(), np.ndarray)
    assert t[1, 1].item() == 4.0 and float(t.sum()) == 10.0
    assert t.size() == (2, 2) and t.size(1) == 2 and t.numel() == 4 and t.dim() == 2
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        t.item()
    d = t.detach()
    assert not d.requires_grad and np.shares_memory(d.numpy(), t.numpy())
    assert "requires_grad=True" in repr(t) and repr(t).startswith("tensor([[1., 2.]")
    assert "grad_fn=<MulBackward>" in repr(t * 2) and "dtype=lg.float64" in repr(
        lg.tensor(np.ones(1))
    )


def test_reflected_operators_with_numpy_arrays_and_numbers():
    x = lg.tensor([1.0, 2.0], requires_grad=True)
    for y in (np.array([3.0, 4.0]) - x, 3.0 - x, np.ones(2) * x, 2 / x, np.ones(2) @ x):
        assert isinstance(y, lg.Tensor) and y.requires_grad


def test_torch_style_keywords():
    x = lg.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(x.sum(dim=1, keepdim=True).numpy(), [[3], [12]])
    np.testing.assert_allclose(x.mean(axis=0).numpy(), [1.5, 2.5, 3.5])
    np.testing.assert_allclose(x.softmax(dim=0).numpy().sum(0), 1)
    assert lg.cat([x, x], dim=1).shape == (2, 6)
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.sum(axes=1)
    values, indices = x.max(1)  # with a dim: (values, indices), as torch
    assert values.tolist() == [2.0, 5.0] and indices.tolist() == [2, 2]
    assert x.max(dim=1)[0].tolist() == [2.0, 5.0] and x.max().item() == 5.0


def test_transpose_conventions():
    x = lg.tensor(np.zeros((2, 3, 4)))
    assert x.T.shape == (4, 3, 2) and x.permute(1, 2, 0).shape == (3, 4, 2)
    assert x.transpose(0, 2).shape == (4, 3, 2)  # PyTorch's two-axis swap
    assert lg.tensor(np.zeros((2, 3))).transpose(1, 0).shape == (3, 2)
    assert lg.tensor(np.zeros((2, 3))).permute(0, 1).shape == (2, 3)  # not a transpose
    with pytest.raises(TypeError):
        x.transpose(1, 2, 0)  # NumPy's spelling is permute here


def test_argmax_and_comparisons_are_constants():
    x = lg.tensor([[1.0, 3.0, 2.0]], requires_grad=True)
    assert x.argmax(axis=1).numpy().tolist() == [1]
    assert (x > 1.5).dtype == bool and not (x > 1.5).requires_grad


def test_stable_primitives_at_extreme_logits():
    z = lg.tensor(np.array([-1000.0, 0.0, 1000.0]), requires_grad=True)
    assert z.log_sigmoid().numpy()[0] == -1000.0
    for f in (
        lambda t: t.log_sigmoid(),
        lambda t: t.softplus(),
        lambda t: t.sigmoid(),
        lambda t: t.log_softmax(0),
        lambda t: t.softmax(0),
        lambda t: t.logsumexp(0),
    ):
        z.grad = None
        out = f(z)
        out.sum().backward()
        assert np.all(np.isfinite(out.numpy())) and np.all(np.isfinite(z.grad.numpy()))
    assert lg.tensor([1000.0, 1000.0]).logsumexp().item() == pytest.approx(1000 + np.log(2))


def test_getitem_gradient_scatter_accumulates_repeats():
    x = lg.tensor(np.arange(4.0), requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 0, 1, 0])


def test_numpy_scalars_and_float64_targets_never_upcast_float32():
    from likelygrad.likelihoods import Gaussian

    F = lg.nn.functional
    x = lg.tensor(np.ones(3, np.float32), requires_grad=True)
    for y in (
        x * np.float64(2),
        x + np.pi,
        Gaussian(x, std=1.0).log_prob(np.zeros(3)),
        F.mse_loss(x, np.zeros(3)),
        F.gaussian_nll(x, np.zeros(3), 1.0),
        F.binary_cross_entropy_with_logits(x, np.zeros(3)),
        lg.maximum(x, np.zeros(3, np.float32)),
    ):
        assert y.dtype == np.float32
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == np.float32


def test_integer_casts_are_constants_and_0d_results_are_arrays():
    x = lg.tensor([1.5, 2.5], requires_grad=True)
    i = x.to(lg.int64)
    assert i.dtype == np.int64 and not i.requires_grad
    assert x.double().requires_grad
    s = lg.tensor(2.0, requires_grad=True)
    y = s * 3
    assert type(y.array) is np.ndarray and y.shape == ()
    y.backward()
    (s * 2).backward()  # two contributions summed: still a 0-d array, not a NumPy scalar
    assert type(s.grad.array) is np.ndarray and s.grad.item() == 5.0


def test_truth_values_array_copies_and_plain_number_functions():
    assert bool(lg.tensor(1.0)) and not bool(lg.tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(lg.tensor([0.0, 0.0]) == 5)
    t = lg.tensor([1.0, 2.0])
    a = np.array(t)  # NumPy 2 asks for a copy
    a[0] = 99
    assert t.numpy()[0] == 1.0
    with pytest.raises(RuntimeError, match="duplicate dims"):
        lg.tensor(np.zeros((2, 3, 4))).permute(0, 0, 1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        lg.tensor(1.0).sum(axis=1)
    assert lg.tensor(np.zeros((2, 0))).logsumexp(axis=1).tolist() == [-np.inf, -np.inf]


def test_softmax_of_a_row_of_minus_infinity_is_not_nan_where_defined():
    x = lg.tensor(np.array([[-np.inf, 0.0], [1.0, -np.inf]]))
    np.testing.assert_array_equal(x.softmax(axis=1).numpy(), [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(x.log_softmax(axis=1).numpy()[0], [-np.inf, 0.0])


def test_import_loads_only_the_core():
    """`import likelygrad` stays cheap: submodules and numpy.random (~10 ms) load on first use,
    and the global generator, made then, is seeded with 0."""
    import subprocess
    import sys

    code = (
        "import sys, likelygrad as lg\n"
        "late = [m for m in ('numpy.random', 'likelygrad.nn', 'likelygrad.optim', "
        "'likelygrad.data', 'likelygrad.train') if m in sys.modules]\n"
        "assert not late, late\n"
        "import numpy as np\n"
        "assert lg.default_generator().random() == np.random.default_rng(0).random()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_factories_write_into_out_and_return_it():
    c = lg.ones(2, 2)
    assert lg.zeros(2, 2, out=c) is c and (c.numpy() == 0).all()
    assert lg.ones(2, 2, out=c) is c and (c.numpy() == 1).all()
    lg.manual_seed(3)
    assert lg.rand(2, 2, out=c) is c and ((0 <= c.numpy()) & (c.numpy() < 1)).all()
    assert lg.randn(3, out=c) is c and c.shape == (3,)  # resized, as torch does
    assert lg.empty(4, out=c) is c and c.shape == (4,)
