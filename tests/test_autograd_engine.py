"""The engine's guarantees, one test per class of silent wrong answer (issue 9): empty batches,
infinities and kinks, weak NumPy scalars, 0-d gradients, the VJP shape check under `python -O`,
thread-local grad mode, and all-or-nothing backward."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import likelygrad as lg
from likelygrad import ops
from likelygrad.dispatch import apply

# ---- empty batches: torch's results, and a backward that runs ------------------------------
EMPTY = [
    ("softmax", lambda m, x: x.softmax(1)),
    ("softmax-empty-dim", lambda m, x: x.softmax(0)),
    ("log_softmax", lambda m, x: x.log_softmax(1)),
    ("log_softmax-empty-dim", lambda m, x: m.log_softmax(x, 0)),
    ("logsumexp", lambda m, x: x.logsumexp(1)),
    ("logsumexp-empty-dim", lambda m, x: x.logsumexp(0)),  # -inf: the log of an empty sum
    ("max", lambda m, x: x.max(1).values),
    ("max-indices", lambda m, x: x.max(1).indices),
    ("amax", lambda m, x: x.amax(1)),
    ("min", lambda m, x: m.min(x, 1).values),
    ("sum-empty-dim", lambda m, x: x.sum(0)),
    ("mean-empty-dim", lambda m, x: x.mean(0)),  # nan: the mean of nothing
    ("prod-empty-dim", lambda m, x: x.prod(0)),
    ("flatten", lambda m, x: x.flatten(1)),
    ("nn.Flatten", lambda m, x: m.nn.Flatten()(x.reshape(0, 3, 1))),
    ("cross_entropy", lambda m, x: m.nn.functional.cross_entropy(x, m.zeros(0, dtype=m.int64))),
    ("cross_entropy-sum", lambda m, x: m.nn.functional.cross_entropy(
        x, m.zeros(0, dtype=m.int64), reduction="sum")),
    ("bce-with-logits", lambda m, x: m.nn.functional.binary_cross_entropy_with_logits(
        x, m.zeros(0, 3))),
    ("mse", lambda m, x: m.nn.functional.mse_loss(x, m.zeros(0, 3))),
    ("linear", lambda m, x: m.nn.functional.linear(x, m.ones(2, 3))),
    ("sort", lambda m, x: x.sort(1).values),
    ("norm", lambda m, x: x.norm()),
    ("cumsum", lambda m, x: x.cumsum(0)),
]  # fmt: skip


@pytest.mark.parametrize("f", [e[1] for e in EMPTY], ids=[e[0] for e in EMPTY])
def test_empty_batches_give_torchs_results(f, recwarn):
    torch = pytest.importorskip("torch")
    x = lg.zeros(0, 3, requires_grad=True)
    ours = f(lg, x)
    theirs = f(torch, torch.zeros(0, 3))
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.numpy())
    if ours.requires_grad:
        ours.sum().backward()
        assert x.grad.shape == (0, 3)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_an_empty_dim_has_no_maximum():
    x = lg.zeros(0, 3)
    for f in (lambda: x.max(0), lambda: x.amax(0), lambda: x.argmax(0), lambda: x.median(0)):
        with pytest.raises(IndexError, match="dim 0 to have non-zero size"):
            f()


# ---- infinities and kinks ------------------------------------------------------------------
def test_relu_of_infinities():
    x = lg.tensor([-np.inf, np.inf, np.nan, -1.0, 0.0, 2.0], requires_grad=True)
    y = x.relu()
    np.testing.assert_array_equal(y.numpy(), [0.0, np.inf, np.nan, 0.0, 0.0, 2.0])
    assert not np.signbit(y.numpy()[[0, 3, 4]]).any()  # +0, not -0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0, 0.0, 0.0, 1.0])


def test_zeroth_power_has_slope_zero_everywhere(recwarn):
    torch = pytest.importorskip("torch")
    data = [0.0, -0.0, 2.0, -3.0]
    for exponent in (0, 0.0, "tensor"):
        x, tx = lg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        e = lg.zeros(4) if exponent == "tensor" else exponent
        te = torch.zeros(4) if exponent == "tensor" else exponent
        (x**e).sum().backward()
        (tx**te).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
        np.testing.assert_array_equal(x.grad.numpy(), 0.0)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_power_slope_in_the_exponent_at_zero_base_matches_torch():
    torch = pytest.importorskip("torch")
    base, exps = [0.0, 0.0, 0.0, 2.0], [-1.0, 0.0, 2.0, 0.5]
    x, y = lg.tensor(base, requires_grad=True), lg.tensor(exps, requires_grad=True)
    tx, ty = (torch.tensor(v, requires_grad=True) for v in (base, exps))
    with np.errstate(divide="ignore", invalid="ignore"):
        (x**y).sum().backward()
    (tx**ty).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy())


def test_bernoulli_log_prob_at_infinite_logits():
    """The limits: certain and right is log 1 = 0, certain and wrong is -inf (torch gives
    -inf for the first case below, nan for the other three)."""
    z = lg.tensor([np.inf, -np.inf, np.inf, -np.inf], requires_grad=True)
    y = lg.tensor([0.0, 1.0, 1.0, 0.0])
    with np.errstate(invalid="ignore", over="ignore"):
        lp = lg.likelihoods.Bernoulli(logits=z).log_prob(y)
        lp.sum().backward()
    np.testing.assert_array_equal(lp.detach().numpy(), [-np.inf, -np.inf, 0.0, 0.0])
    np.testing.assert_array_equal(z.grad.numpy(), [-1.0, 1.0, 0.0, 0.0])  # y - σ(z)


@pytest.mark.parametrize("bad", [float("nan"), -1.0, 0.0])
def test_gaussian_rejects_a_scale_that_is_not_positive(bad):
    with pytest.raises(ValueError, match="std"):
        lg.likelihoods.Gaussian(lg.zeros(2), std=bad)


# ---- NumPy scalars are weak, like Python numbers ---------------------------------------------
X32 = np.array([0.5, 1.5, 2.5], np.float32)
WEAK = {
    "add": lambda x, s: x + s,
    "radd": lambda x, s: s + x,
    "sub": lambda x, s: x - s,
    "rsub": lambda x, s: s - x,
    "mul": lambda x, s: x * s,
    "rmul": lambda x, s: s * x,
    "div": lambda x, s: x / s,
    "rdiv": lambda x, s: s / x,
    "pow": lambda x, s: x**s,
    "rpow": lambda x, s: s**x,
    "floordiv": lambda x, s: x // s,
    "mod": lambda x, s: x % s,
    "clamp": lambda x, s: x.clamp(s),
    "clamp2": lambda x, s: x.clamp(s, s * 4),
    "clip": lambda x, s: x.clip(max=s),
    "clamp_min": lambda x, s: x.clamp_min(s),
    "clamp_max": lambda x, s: lg.clamp_max(x, s),
    "maximum": lambda x, s: lg.maximum(x, s),
    "minimum": lambda x, s: x.minimum(s),
    "where-other": lambda x, s: lg.where(x > 1, x, s),
    "where-input": lambda x, s: lg.where(x > 1, s, x),
    "masked_fill": lambda x, s: x.masked_fill(x > 1, s),
    "add-alpha": lambda x, s: x.add(x, alpha=s),
    "sub-alpha": lambda x, s: x.sub(x, alpha=s),
    "lerp": lambda x, s: x.lerp(x * 2, s),
    "atan2": lambda x, s: x.atan2(s),
    "hypot": lambda x, s: x.hypot(s),
    "fmod": lambda x, s: x.fmod(s),
    "remainder": lambda x, s: lg.remainder(x, s),
    "div-floor": lambda x, s: x.div(s, rounding_mode="floor"),
    "index_fill": lambda x, s: x.index_fill(0, [0], s),
    "scatter": lambda x, s: x.scatter(0, lg.tensor([1]), s),
    "nan_to_num": lambda x, s: x.nan_to_num(s, s, s),
    "fill_": lambda x, s: x.clone().fill_(s),
    "add_": lambda x, s: x.clone().add_(s),
    "mul_": lambda x, s: x.clone().mul_(s),
}  # fmt: skip
SCALARS = [np.float64(2.0), np.float32(2.0), np.float16(2.0), np.int64(2), np.int32(2), np.uint8(2)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(WEAK)), st.sampled_from(SCALARS), st.booleans())
def test_numpy_scalars_never_change_a_tensors_dtype(name, scalar, grad):
    x = lg.tensor(X32, requires_grad=grad)
    out = WEAK[name](x, scalar)
    assert out.dtype == lg.float32, f"{name} with {type(scalar).__name__} gave {out.dtype}"
    if grad and out.requires_grad:
        out.sum().backward()
        assert x.grad.dtype == lg.float32


def test_numpy_scalars_on_integer_tensors_follow_pythons_numbers():
    torch = pytest.importorskip("torch")
    x, t = lg.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    for s, p in ((np.float32(2.5), 2.5), (np.int16(2), 2), (np.float64(0.5), 0.5)):
        for f in (lambda a, b: a + b, lambda a, b: b * a, lambda a, b: a / b, lambda a, b: b - a):
            assert str(f(x, s).dtype) == str(f(t, p).dtype).split(".")[-1]


# ---- 0-d gradients stay arrays ----------------------------------------------------------------
def test_a_0d_leafs_grad_is_an_array_backed_tensor():
    a = lg.tensor(2.0, requires_grad=True)
    h = (a * 3).retain_grad()
    (a * a + a + h * h).backward(retain_graph=True)  # three contributions in one backward
    for t in (a.grad, h.grad):
        assert isinstance(t, lg.Tensor) and type(t.array) is np.ndarray and t.shape == ()
    assert a.grad.item() == 2 * 2 + 1 + 2 * 6 * 3 and h.grad.item() == 12
    (h * 2).backward(retain_graph=True)  # retain_grad's sum across backward calls, too
    assert type(h.grad.array) is np.ndarray and h.grad.item() == 14
    (a * 5).backward()  # accumulated across backward calls: still an array
    assert type(a.grad.array) is np.ndarray and a.grad.item() == 46 + 6
    a.grad.zero_()
    assert a.grad.item() == 0.0


# ---- the VJP shape check is a real check, not an assert ------------------------------------
WRONG_VJP = """
import numpy as np, likelygrad as lg
from likelygrad import ops
from likelygrad.dispatch import apply
class Broken(ops.Op):
    @staticmethod
    def forward(ctx, x):
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return (np.ones(5),)  # the input has shape (3,)
x = lg.tensor([1.0, 2.0, 3.0], requires_grad=True)
try:
    apply(Broken, x).sum().backward()
except RuntimeError as e:
    assert "shape (5,) for input 0 of shape (3,)" in str(e), e
    assert x.grad is None
    print("caught")
else:
    raise SystemExit("a (5,) gradient reached a (3,) leaf")
"""


def test_a_wrong_shaped_vjp_is_caught_under_python_O():
    for flags in (["-O"], ["-OO"], []):
        out = subprocess.run(
            [sys.executable, *flags, "-c", WRONG_VJP], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0 and out.stdout.strip() == "caught", out.stderr


# ---- grad mode belongs to a thread ------------------------------------------------------------
def test_grad_mode_is_per_thread():
    x = lg.tensor([1.0], requires_grad=True)
    inside, other_thread = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def worker():
        with lg.no_grad():
            inside.set()
            other_thread.wait(10)  # the main thread records while this one is in no_grad
            seen["worker"] = (x * 2).requires_grad
        lg.set_grad_enabled(False)  # the function form, too, is this thread's only

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(10)
    seen["main"] = (x * 2).requires_grad and lg.is_grad_enabled()
    other_thread.set()
    t.join(10)
    assert seen == {"worker": False, "main": True}
    assert lg.is_grad_enabled() and (x * 2).requires_grad


def test_a_new_thread_starts_with_grad_enabled():
    results = []
    with lg.no_grad():
        t = threading.Thread(target=lambda: results.append(lg.is_grad_enabled()))
        t.start()
        t.join(10)
    assert results == [True]


# ---- a failed backward changes no gradient ---------------------------------------------------
class _BrokenVJP(ops.Op):  # y = 2x, whose VJP has the wrong shape
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return (np.ones(5),)


@pytest.mark.parametrize("failure", ["vjp", "hook-shape", "hook-raises", "version"])
def test_a_failed_backward_leaves_every_leaf_gradient_as_it_was(failure):
    a = lg.tensor([1.0, 2.0], requires_grad=True)
    b = lg.tensor([3.0, 4.0], requires_grad=True)
    c = lg.tensor(5.0, requires_grad=True)
    (a * b + c).sum().backward()  # earlier gradients, accumulated in place by the next backward
    before = [t.grad.numpy().copy() for t in (a, b, c)]
    arrays = [t.grad.array for t in (a, b, c)]
    h = a.exp()
    loss_a = (a * c).sum() + (b * 2).sum()  # branches that finish (and accumulate) first...
    bad = h * 1.0  # ...then one fails
    if failure == "vjp":
        bad = apply(_BrokenVJP, h)
    elif failure == "hook-shape":
        bad.register_hook(lambda g: g[:1])  # torch: "hook changed the size of the gradient"
    elif failure == "hook-raises":

        def boom(g):
            raise ValueError("boom")

        bad.register_hook(boom)
    else:
        h.add_(1.0)  # exp saved its output: backward must refuse
    accumulated = []
    b.register_post_accumulate_grad_hook(lambda t: accumulated.append(t.grad.numpy().copy()))
    with pytest.raises((RuntimeError, ValueError)):
        (bad.sum() + loss_a).backward()  # the sweep takes the last input first: loss_a
    assert accumulated and not np.array_equal(accumulated[0], before[1])  # b did change, then
    for t, old, arr in zip((a, b, c), before, arrays):
        np.testing.assert_array_equal(t.grad.numpy(), old)
        assert t.grad.array is arr  # the same storage: what optimizers hold stays valid
