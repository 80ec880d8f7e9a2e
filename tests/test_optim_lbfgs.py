"""LBFGS and its strong-Wolfe line search, against torch.optim.LBFGS on full-batch objectives."""

from __future__ import annotations

import re

import numpy as np
import pytest
from params import P, set_grad

from likelygrad.optim import LBFGS, flatten_state, unflatten_state
from likelygrad.optim.line_search import _cubic_minimizer, strong_wolfe


def rosenbrock(arrays: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    """Chained Rosenbrock Σ 100 (x_{i+1} - x_i²)² + (1 - x_i)² over all entries, and its grad."""
    x = np.concatenate([a.ravel() for a in arrays]).astype(np.float64)
    head, tail = x[:-1], x[1:]
    loss = float(np.sum(100.0 * (tail - head**2) ** 2 + (1.0 - head) ** 2))
    g = np.zeros_like(x)
    g[:-1] = -400.0 * head * (tail - head**2) - 2.0 * (1.0 - head)
    g[1:] += 200.0 * (tail - head**2)
    out, offset = [], 0
    for a in arrays:
        out.append(g[offset : offset + a.size].reshape(a.shape))
        offset += a.size
    return loss, out


RNG = np.random.default_rng(1)
X = RNG.normal(size=(60, 5))
Y = RNG.integers(0, 3, size=60)


def softmax_regression(arrays: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    """Mean NLL of softmax regression with a small Gaussian prior on the weights, and its grad."""
    w, b = (a.astype(np.float64) for a in arrays)
    logits = X @ w + b
    logits -= logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(logits).sum(axis=1))
    loss = float(np.mean(log_z - logits[np.arange(len(Y)), Y]) + 0.005 * np.sum(w**2))
    probs = np.exp(logits - log_z[:, None])
    probs[np.arange(len(Y)), Y] -= 1.0
    probs /= len(Y)
    return loss, [X.T @ probs + 0.01 * w, probs.sum(axis=0)]


STARTS = {
    "rosenbrock": [np.tile([-1.2, 1.0], 3).reshape(3, 2), np.array([-1.2, 1.0, -1.2, 1.0])],
    "softmax": [RNG.normal(size=(5, 3)), RNG.normal(size=3)],
}
OBJECTIVES = {"rosenbrock": rosenbrock, "softmax": softmax_regression}


class Loss:
    """A loss object with ``.item()``, as a Tensor would be."""

    def __init__(self, value: float) -> None:
        self.value = value

    def item(self) -> float:
        return self.value


def run_ours(objective: str, kwargs: dict, steps: int, dtype=np.float64):
    params = [P(a.astype(dtype)) for a in STARTS[objective]]
    opt = LBFGS(params, **kwargs)
    calls = [0]

    def closure():
        calls[0] += 1
        loss, grads = OBJECTIVES[objective]([p.array for p in params])
        for p, g in zip(params, grads):
            g = g.astype(dtype)
            g.flags.writeable = False  # the optimizer must not write into gradients
            set_grad(p, g)
        return Loss(loss) if calls[0] % 2 else loss

    for _ in range(steps):
        opt.step(closure)
    return params, opt, calls[0]


def run_torch(objective: str, kwargs: dict, steps: int):
    torch = pytest.importorskip("torch")
    tensors = [torch.tensor(a, requires_grad=True) for a in STARTS[objective]]
    opt = torch.optim.LBFGS(tensors, **kwargs)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss, grads = OBJECTIVES[objective]([t.detach().numpy() for t in tensors])
        for t, g in zip(tensors, grads):
            t.grad = torch.from_numpy(g.copy())
        return torch.tensor(loss, dtype=torch.float64)

    for _ in range(steps):
        opt.step(closure)
    return [t.detach().numpy().copy() for t in tensors], opt.state[tensors[0]], calls[0]


# (id, objective, LBFGS keyword arguments, number of step() calls). Midway down Rosenbrock's
# curved valley rounding differences grow about tenfold every 8 evaluations, so unconverged
# Rosenbrock runs stop at 40 iterations, where the two libraries still agree to ~1e-10.
CONFIGS = [
    ("rosen-wolfe", "rosenbrock", {"line_search_fn": "strong_wolfe"}, 2),
    ("rosen-wolfe-short-memory", "rosenbrock",
     {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 30, "max_eval": 33}, 2),
    ("rosen-wolfe-converges", "rosenbrock", {"line_search_fn": "strong_wolfe"}, 8),
    ("rosen-fixed-step", "rosenbrock", {"lr": 0.1, "max_iter": 15}, 4),
    ("softmax-fixed-step", "softmax", {"lr": 0.5, "max_iter": 10}, 3),
    ("softmax-fixed-step-short-memory", "softmax", {"lr": 0.5, "history_size": 2}, 3),
    ("softmax-wolfe", "softmax", {"line_search_fn": "strong_wolfe", "max_iter": 8}, 3),
    ("softmax-wolfe-tight", "softmax",
     {"line_search_fn": "strong_wolfe", "tolerance_grad": 1e-12, "tolerance_change": 1e-14}, 4),
]  # fmt: skip


@pytest.mark.parametrize(
    "objective,kwargs,steps", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS]
)
def test_matches_torch(objective, kwargs, steps):
    theirs, torch_state, torch_calls = run_torch(objective, kwargs, steps)
    params, opt, calls = run_ours(objective, kwargs, steps)
    state = opt.state[params[0]]
    assert calls == torch_calls == state["func_evals"] == torch_state["func_evals"]
    assert state["n_iter"] == torch_state["n_iter"]
    for p, t in zip(params, theirs):
        np.testing.assert_allclose(p.array, t, rtol=1e-8, atol=1e-10)
    start_loss = OBJECTIVES[objective](STARTS[objective])[0]
    assert OBJECTIVES[objective]([p.array for p in params])[0] < 0.9 * start_loss


def test_stops_at_once_when_the_gradient_is_already_small():
    params, opt, calls = run_ours("softmax", {"tolerance_grad": 1e3}, steps=2)
    assert calls == 2 and opt.state[params[0]]["n_iter"] == 0
    assert all(np.array_equal(p.array, s) for p, s in zip(params, STARTS["softmax"]))


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_float32_stays_float32(line_search_fn):
    kwargs = {"line_search_fn": line_search_fn, "lr": 1.0 if line_search_fn else 0.5}
    params, opt, _ = run_ours("softmax", kwargs, steps=3, dtype=np.float32)
    reference, _, _ = run_ours("softmax", kwargs, steps=3)
    for p, ref in zip(params, reference):
        assert p.array.dtype == np.float32
        np.testing.assert_allclose(p.array, ref.array, rtol=1e-3, atol=1e-3)
    state = opt.state[params[0]]
    assert state["direction"].dtype == np.float32 and state["s"][0].dtype == np.float32


@pytest.mark.parametrize("via_flat", [False, True])
def test_state_dict_resume_equals_uninterrupted(via_flat):
    kwargs = {"line_search_fn": "strong_wolfe", "max_iter": 5, "history_size": 4}
    straight, _, _ = run_ours("rosenbrock", kwargs, steps=4)
    first, opt, _ = run_ours("rosenbrock", kwargs, steps=2)
    saved = opt.state_dict()
    if via_flat:
        saved = unflatten_state(flatten_state(saved))
    params = [P(p.array.copy()) for p in first]
    opt2 = LBFGS(params, **kwargs)
    opt2.load_state_dict(saved)

    def closure():
        loss, grads = rosenbrock([p.array for p in params])
        for p, g in zip(params, grads):
            set_grad(p, g)
        return loss

    for _ in range(2):
        opt2.step(closure)
    for p, q in zip(params, straight):
        np.testing.assert_array_equal(p.array, q.array)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("via", ["dict", "flat", "npz"])
def test_resume_with_float32_and_float64_parameters_is_exact(line_search_fn, via, tmp_path):
    """The state's flat vectors are float64 when any parameter is: a resumed run must keep them
    so (casting to the first parameter's float32 moved it ~1e-5 away from the straight run)."""
    from likelygrad.train.checkpoint import load_checkpoint, save_checkpoint

    kwargs = {"line_search_fn": line_search_fn, "max_iter": 4, "history_size": 3, "lr": 0.5}
    dtypes = (np.float32, np.float64)

    def fresh():
        return [P(a.astype(dt)) for a, dt in zip(STARTS["softmax"], dtypes)]

    def steps(opt, params, n):
        def closure():
            loss, grads = softmax_regression([p.array for p in params])
            for p, g in zip(params, grads):
                set_grad(p, g.astype(p.array.dtype))
            return loss

        for _ in range(n):
            opt.step(closure)

    straight = fresh()
    steps(LBFGS(straight, **kwargs), straight, 6)
    first = fresh()
    opt = LBFGS(first, **kwargs)
    steps(opt, first, 3)
    saved = opt.state_dict()
    assert saved["state"][0]["direction"].dtype == np.float64
    if via == "flat":
        saved = unflatten_state(flatten_state(saved))
    elif via == "npz":
        save_checkpoint(tmp_path / "c.npz", flatten_state(saved), {})
        saved = unflatten_state(load_checkpoint(tmp_path / "c.npz")[0])
    resumed = [P(p.array.copy()) for p in first]
    opt2 = LBFGS(resumed, **kwargs)
    opt2.load_state_dict(saved)
    steps(opt2, resumed, 3)
    for p, q in zip(resumed, straight):
        assert p.array.dtype == q.array.dtype
        np.testing.assert_array_equal(p.array, q.array)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s.update(direction=np.zeros(4)), "direction of parameter 0 must be a vector"),
        (lambda s: s["s"].append(np.zeros(18)), "s, y and rho of parameter 0 differ in length"),
        (lambda s: s.update(rho=[1.0, "x"]), "state[0]['rho'][1] is a str"),
        (lambda s: s.update(n_iter=-1), "n_iter of parameter 0 must be an integer >= 0"),
        (lambda s: s.update(prev_loss=None), "prev_loss of parameter 0 must be a number"),
    ],
    ids=["short-vector", "lengths", "str", "negative", "none"],
)
def test_load_state_dict_refuses_a_malformed_history(edit, message):
    params, opt, _ = run_ours("softmax", {"max_iter": 3}, steps=2)
    saved = opt.state_dict()
    edit(saved["state"][0])
    before = opt.state_dict()
    with pytest.raises(ValueError, match=re.escape(message)):
        opt.load_state_dict(saved)
    after = opt.state_dict()  # nothing changed
    assert after["state"][0]["n_iter"] == before["state"][0]["n_iter"]
    np.testing.assert_array_equal(after["state"][0]["direction"], before["state"][0]["direction"])


def test_invalid_arguments():
    params = [P(np.zeros(3))]
    with pytest.raises(ValueError, match=re.escape("Invalid learning rate: -1")):
        LBFGS(params, lr=-1)
    with pytest.raises(ValueError, match="only None and 'strong_wolfe'"):
        LBFGS(params, line_search_fn="armijo")
    with pytest.raises(ValueError, match="Invalid history_size: 0"):
        LBFGS(params, history_size=0)
    with pytest.raises(ValueError, match="parameter groups"):
        LBFGS([{"params": params}, {"params": [P(np.zeros(2))]}])
    with pytest.raises(ValueError, match="needs a closure"):
        LBFGS(params).step()


def test_cubic_minimizer_is_exact_on_a_cubic():
    def phi(t):  # φ(t) = t³ - 3t² + 1 has its local minimum at t = 2
        return (t, t**3 - 3 * t**2 + 1, None, 3 * t**2 - 6 * t)

    assert _cubic_minimizer(phi(0.5), phi(3.0), 0.0, 10.0) == pytest.approx(2.0, rel=1e-14)
    assert _cubic_minimizer(phi(3.0), phi(0.5), 0.0, 10.0) == pytest.approx(2.0, rel=1e-14)
    assert _cubic_minimizer(phi(0.5), phi(3.0), 2.5, 10.0) == 2.5  # clamped to the bounds


@pytest.mark.parametrize("t0", [1e-3, 0.3, 1.0, 40.0])
@pytest.mark.parametrize("scale", [0.1, 1.0, 25.0])
def test_strong_wolfe_returns_an_acceptable_step(t0, scale):
    # φ(t) = f(x + t d) for f(z) = z⁴/4 + scale z² / 2 - z, x = 0, d = 1
    def f_and_grad(t):
        return t**4 / 4 + scale * t**2 / 2 - t, np.array([t**3 + scale * t - 1.0])

    d = np.array([1.0])
    f0, g0 = f_and_grad(0.0)
    (t, f, g, gtd), evals = strong_wolfe(f_and_grad, d, (0.0, f0, g0, float(g0 @ d)), t0)
    assert f <= f0 + 1e-4 * t * float(g0 @ d)  # sufficient decrease
    assert abs(gtd) <= 0.9 * abs(float(g0 @ d))  # curvature
    assert (f, float(g[0])) == (f_and_grad(t)[0], float(f_and_grad(t)[1][0]))
    assert 1 <= evals <= 26
