"""SGD, Adam and AdamW against torch.optim, the Optimizer base class, and state dicts.

Gradients come from a formula in NumPy (softmax-regression negative log-likelihood plus a sine
term), so these tests need no autograd; the same float64 gradients are handed to torch.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from params import P, set_grad

import likelygrad as lg
from likelygrad.optim import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    NAdam,
    Optimizer,
    RMSprop,
    flatten_state,
    unflatten_state,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 5))
Y = RNG.integers(0, 3, size=32)
W0, B0 = RNG.normal(size=(5, 3)), RNG.normal(size=3)


def loss_grads(w: np.ndarray, b: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean NLL of softmax regression plus 0.1 Σ sin(3w), and its gradient (float64)."""
    w, b = w.astype(np.float64), b.astype(np.float64)
    logits = X @ w + b
    logits -= logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(logits).sum(axis=1))
    loss = float(np.mean(log_z - logits[np.arange(len(Y)), Y]) + 0.1 * np.sin(3 * w).sum())
    probs = np.exp(logits - log_z[:, None])
    probs[np.arange(len(Y)), Y] -= 1.0
    probs /= len(Y)
    return loss, [X.T @ probs + 0.3 * np.cos(3 * w), probs.sum(axis=0)]


def set_grads(params: list[P], sign: float = 1.0) -> None:
    """Give each parameter a fresh read-only gradient: any in-place write would raise."""
    _, grads = loss_grads(params[0].array, params[1].array)
    for p, g in zip(params, grads):
        g = (sign * g).astype(p.array.dtype)
        g.flags.writeable = False
        set_grad(p, g)


def train(opt: Optimizer, params: list[P], steps: int, sign: float = 1.0) -> None:
    for _ in range(steps):
        set_grads(params, sign)
        opt.step()


def fresh_params(dtype=np.float64) -> list[P]:
    return [P(W0.astype(dtype)), P(B0.astype(dtype))]


# (id, optimizer name in both libraries, keyword arguments valid in both)
CONFIGS = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd-momentum", "SGD", {"lr": 0.05, "momentum": 0.9}),
    ("sgd-dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("sgd-nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd-weight-decay", "SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}),
    ("sgd-maximize", "SGD", {"lr": 0.1, "maximize": True}),
    ("sgd-maximize-all", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True,
                                 "weight_decay": 0.01, "maximize": True}),
    ("adam", "Adam", {"lr": 0.05}),
    ("adam-weight-decay", "Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("adam-amsgrad", "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "amsgrad": True}),
    ("adam-maximize", "Adam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("adamw", "AdamW", {"lr": 0.05}),
    ("adamw-amsgrad", "AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("adamw-maximize", "AdamW", {"lr": 0.05, "eps": 1e-3, "maximize": True}),
    ("adam-decoupled", "Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("rmsprop-all", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.05,
                                "momentum": 0.8, "centered": True}),
    ("rmsprop-centered-maximize", "RMSprop", {"lr": 0.01, "centered": True, "maximize": True}),
    ("rmsprop-momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.1}),
    ("adagrad", "Adagrad", {"lr": 0.1}),
    ("adagrad-all", "Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                                "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("adagrad-maximize", "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "maximize": True}),
    ("nadam", "NAdam", {"lr": 0.05}),
    ("nadam-weight-decay", "NAdam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1,
                                     "momentum_decay": 0.01}),
    ("nadam-decoupled-maximize", "NAdam", {"lr": 0.05, "weight_decay": 0.1, "eps": 1e-3,
                                           "decoupled_weight_decay": True, "maximize": True}),
    ("adadelta", "Adadelta", {"lr": 1.0}),
    ("adadelta-all", "Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
    ("adadelta-maximize", "Adadelta", {"lr": 1.0, "maximize": True}),
    ("adamax", "Adamax", {"lr": 0.05}),
    ("adamax-all", "Adamax", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-3,
                              "weight_decay": 0.1, "maximize": True}),
]  # fmt: skip
OURS = {
    "SGD": SGD, "Adam": Adam, "AdamW": AdamW, "RMSprop": RMSprop, "Adagrad": Adagrad,
    "NAdam": NAdam, "Adadelta": Adadelta, "Adamax": Adamax,
}  # fmt: skip


def config_sign(kwargs: dict) -> float:
    # with maximize=True we hand over the gradient of the log-likelihood (ascent direction)
    return -1.0 if kwargs.get("maximize") else 1.0


def run_torch(name: str, groups: list[dict], kwargs: dict, steps: int) -> list[np.ndarray]:
    torch = pytest.importorskip("torch")
    tensors = [torch.tensor(W0, requires_grad=True), torch.tensor(B0, requires_grad=True)]
    torch_groups = [{**g, "params": [tensors[i] for i in g["params"]]} for g in groups]
    opt = getattr(torch.optim, name)(torch_groups, **kwargs, foreach=False)
    for _ in range(steps):
        arrays = [t.detach().numpy() for t in tensors]
        _, grads = loss_grads(*arrays)
        for t, g in zip(tensors, grads):
            t.grad = torch.from_numpy(config_sign(kwargs) * g)
        opt.step()
    return [t.detach().numpy().copy() for t in tensors]


def run_ours(name: str, groups: list[dict], kwargs: dict, steps: int) -> list[P]:
    params = fresh_params()
    arrays = [p.array for p in params]
    opt = OURS[name]([{**g, "params": [params[i] for i in g["params"]]} for g in groups], **kwargs)
    train(opt, params, steps, config_sign(kwargs))
    assert all(p.array is a for p, a in zip(params, arrays)), "p.array must be updated in place"
    return params


def max_rel_diff(ours: list[P], theirs: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(p.array - t) / np.abs(t))) for p, t in zip(ours, theirs))


@pytest.mark.parametrize("name,kwargs", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_matches_torch(name, kwargs):
    theirs = run_torch(name, [{"params": [0, 1]}], kwargs, steps=30)
    ours = run_ours(name, [{"params": [0, 1]}], kwargs, steps=30)
    assert max(np.max(np.abs(p.array - W)) for p, W in zip(ours, (W0, B0))) > 0.1  # it moved
    assert max_rel_diff(ours, theirs) < 1e-10


@pytest.mark.parametrize("name", list(OURS))
def test_param_groups_match_torch(name):
    groups = [{"params": [0], "lr": 0.02, "weight_decay": 0.05}, {"params": [1]}]
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    theirs = run_torch(name, groups, kwargs, steps=25)
    assert max_rel_diff(run_ours(name, groups, kwargs, steps=25), theirs) < 1e-10


@pytest.mark.parametrize("name,kwargs", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_float32_stays_float32(name, kwargs):
    params = fresh_params(np.float32)
    opt = OURS[name](params, **kwargs)
    train(opt, params, 10, config_sign(kwargs))
    reference = run_ours(name, [{"params": [0, 1]}], kwargs, steps=10)
    for p, ref in zip(params, reference):
        assert p.array.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[p].values() if hasattr(v, "dtype"))
        np.testing.assert_allclose(p.array, ref.array, rtol=1e-4, atol=1e-4)


def test_parameter_without_grad_is_skipped():
    params = [*fresh_params(), P(np.ones(4))]
    opt = Adam(params, lr=0.1)
    train(opt, params[:2], 3)
    assert np.array_equal(params[2].array, np.ones(4)) and params[2] not in opt.state
    assert opt.state[params[0]]["step"] == 3


@pytest.mark.parametrize("name,kwargs", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
@pytest.mark.parametrize("via", ["dict", "flat", "npz", "safetensors"])
def test_state_dict_resume_equals_uninterrupted(name, kwargs, via):
    sign = config_sign(kwargs)
    straight = fresh_params()
    train(OURS[name](straight, **kwargs), straight, 10, sign)

    first = fresh_params()
    opt = OURS[name](first, **kwargs)
    train(opt, first, 5, sign)
    saved = opt.state_dict()
    resumed = [P(p.array.copy()) for p in first]
    train(opt, first, 1, sign)  # keep training: the snapshot must not change
    if via != "dict":
        flat = flatten_state(saved)
        assert all(isinstance(v, np.ndarray) and v.dtype != object for v in flat.values())
        if via == "npz":
            buffer = io.BytesIO()
            np.savez(buffer, **flat)
            buffer.seek(0)
            with np.load(buffer, allow_pickle=False) as archive:
                flat = {k: archive[k] for k in archive.files}
        elif via == "safetensors":
            st = pytest.importorskip("safetensors.numpy")
            flat = st.load(st.save(flat))
        saved = unflatten_state(flat)

    opt2 = OURS[name](resumed, lr=123.0)  # hyper-parameters come back from the state dict
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    for value in saved["state"].get(0, {}).values():  # the optimizer must hold copies
        if isinstance(value, np.ndarray):
            value.fill(np.nan)
    train(opt2, resumed, 5, sign)
    for p, q in zip(resumed, straight):
        np.testing.assert_array_equal(p.array, q.array)


def test_state_dict_layout_is_torch_like():
    params = fresh_params()
    opt = Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5}], betas=(0.8, 0.9))
    train(opt, params, 2)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.8, 0.9)
    assert set(sd["state"]) == {0, 1} and sd["state"][1]["step"] == 2
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    flat = flatten_state(sd)
    assert "param_groups[1].lr:float" in flat and "state#0.exp_avg:array" in flat
    assert flat["param_groups[0].params:ints"].tolist() == [0]


def test_load_state_dict_reports_every_mismatch():
    a, b = fresh_params()
    sd = SGD([a, b], momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="loaded state dict has 1 parameter groups, but the opt"):
        SGD([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 2 parameters in the state dict but 1 in"):
        SGD([a]).load_state_dict(sd)
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    set_grads([a, b])
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match=r"momentum_buffer of parameter 0 has shape \(5, 3\)"):
        SGD([P(np.zeros(3)), P(np.zeros(3))]).load_state_dict(sd)


@pytest.mark.parametrize(
    "cls,kwargs,message",
    [
        (SGD, {"lr": -1}, "Invalid learning rate: -1"),
        (SGD, {"momentum": -0.5}, "Invalid momentum value: -0.5"),
        (SGD, {"weight_decay": -0.001}, "Invalid weight_decay value: -0.001"),
        (SGD, {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
        (SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov momentum requires"),
        (Adam, {"lr": -0.1}, "Invalid learning rate: -0.1"),
        (Adam, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
        (Adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
        (Adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
        (Adam, {"weight_decay": -1}, "Invalid weight_decay value: -1"),
        (AdamW, {"lr": float("nan")}, "Invalid learning rate: nan"),
        (RMSprop, {"alpha": -0.1}, "Invalid alpha value: -0.1"),
        (RMSprop, {"momentum": -1}, "Invalid momentum value: -1"),
        (RMSprop, {"eps": -1}, "Invalid epsilon value: -1"),
        (Adagrad, {"lr_decay": -1}, "Invalid lr_decay value: -1"),
        (Adagrad, {"initial_accumulator_value": -1}, "Invalid initial_accumulator_value value"),
        (NAdam, {"momentum_decay": -1}, "Invalid momentum_decay value: -1"),
        (NAdam, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
        (Adadelta, {"rho": 1.5}, "Invalid rho value: 1.5"),
        (Adadelta, {"weight_decay": -1}, "Invalid weight_decay value: -1"),
        (Adamax, {"betas": (-0.1, 0.9)}, "Invalid beta parameter at index 0: -0.1"),
    ],
)
def test_invalid_hyper_parameters(cls, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        cls(fresh_params(), **kwargs)
    with pytest.raises(ValueError, match=re.escape(message)):  # per-group values are checked too
        cls([{"params": fresh_params(), **kwargs}])
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=re.escape(message)):  # the same words as torch
        getattr(torch.optim, cls.__name__)([torch.zeros(2, requires_grad=True)], **kwargs)


def test_bad_parameter_lists():
    a, b = fresh_params()
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(TypeError, match="wrap it in a list"):
        SGD(a)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [a, b]}, {"params": [b]}])
    with pytest.raises(ValueError, match="same parameter twice"):
        SGD([a, a])
    with pytest.raises(TypeError, match="floating-point tensors"):
        SGD([lg.tensor([1, 2, 3])])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        SGD([np.zeros(3)])


def test_add_param_group_uses_defaults():
    a, b = fresh_params()
    opt = SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    set_grads([a, b])
    opt.step()
    expected = B0 - 0.01 * loss_grads(W0, B0)[1][1]
    np.testing.assert_allclose(b.array, expected, rtol=1e-15)


def test_zero_grad_zeroes_in_place_or_sets_none_as_torch():
    a, b = fresh_params()
    set_grad(b, np.ones(3))
    held = b.grad
    opt = SGD([a, b])
    opt.zero_grad(set_to_none=False)
    assert a.grad is None and b.grad is held and not held.numpy().any()
    opt.zero_grad()
    assert b.grad is None


def test_step_returns_the_closure_loss():
    params = fresh_params()
    calls = []

    def closure():
        calls.append(1)
        set_grads(params)
        return loss_grads(params[0].array, params[1].array)[0]

    opt = Adam(params, lr=0.01)
    before = closure()
    assert opt.step(closure) == before and len(calls) == 2
    assert opt.step() is None


def test_state_is_keyed_by_identity():
    a, b = P(np.zeros(2)), P(np.zeros(2))  # equal dataclasses, different parameters
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    set_grad(a, np.ones(2))
    set_grad(b, -np.ones(2))
    opt.step()
    assert opt.state[a]["momentum_buffer"][0] == 1 and opt.state[b]["momentum_buffer"][0] == -1
    assert len(opt.state) == 2 and list(opt.state) == [a, b]


def test_positional_arguments_follow_torch():
    """torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov), and so on."""
    torch = pytest.importorskip("torch")
    cases = [
        (SGD, (0.1, 0.9, 0.0, 1e-4, True)),
        (Adagrad, (0.1, 0.01, 0.1, 0.2, 1e-8)),
        (RMSprop, (0.01, 0.9, 1e-6, 0.1, 0.5, True)),
        (Adam, (0.01, (0.8, 0.9), 1e-6, 0.1)),
        (NAdam, (0.01, (0.8, 0.9), 1e-6, 0.1, 0.01, True)),
        (Adadelta, (0.5, 0.8, 1e-5, 0.1)),
    ]
    for cls, args in cases:
        ours = cls(fresh_params(), *args).param_groups[0]
        theirs = getattr(torch.optim, cls.__name__)([torch.zeros(1)], *args).param_groups[0]
        assert all(ours[k] == theirs[k] for k in ours if k != "params"), cls.__name__


def test_differentiable_is_refused_and_kernel_flags_accepted():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        Adam(fresh_params(), differentiable=True)
    opt = AdamW(fresh_params(), foreach=True, fused=False, capturable=False)
    assert "foreach" not in opt.param_groups[0] and opt.param_groups[0]["decoupled_weight_decay"]


def test_adagrad_state_exists_from_construction_as_in_torch():
    params = fresh_params()
    opt = Adagrad(params, initial_accumulator_value=0.25)
    sd = opt.state_dict()
    assert set(sd["state"]) == {0, 1} and sd["state"][1]["step"] == 0
    np.testing.assert_array_equal(sd["state"][0]["sum"], np.full((5, 3), 0.25))
    late = P(np.ones(2))
    opt.add_param_group({"params": [late]})
    set_grad(late, np.ones(2))
    opt.step()  # a parameter added later gets its state on its first step
    assert opt.state[late]["step"] == 1


@pytest.mark.parametrize("name,kwargs", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_array_api_strict_parameters_give_the_numpy_result(name, kwargs):
    """State lives where the parameter lives: no NumPy call touches an array_api_strict array."""
    xps = pytest.importorskip("array_api_strict")
    pytest.importorskip("array_api_compat")
    reference = run_ours(name, [{"params": [0, 1]}], kwargs, steps=8)
    params = [lg.nn.Parameter(lg.tensor(xps.asarray(a))) for a in (W0, B0)]
    opt = OURS[name](params, **kwargs)
    for _ in range(8):
        _, grads = loss_grads(*(np.asarray(p.array) for p in params))
        for p, g in zip(params, grads):
            p.grad = lg.tensor(xps.asarray(config_sign(kwargs) * g))
        opt.step()
    for p, ref in zip(params, reference):
        assert type(p.array) is type(params[0].array) and not isinstance(p.array, np.ndarray)
        np.testing.assert_allclose(np.asarray(p.array), ref.array, rtol=1e-13, atol=1e-15)
    state = opt.state_dict()  # copies on the same library, loadable into a fresh optimizer
    resumed = [lg.nn.Parameter(lg.tensor(xps.asarray(np.asarray(p.array)))) for p in params]
    again = OURS[name](resumed, lr=7.0)
    again.load_state_dict(state)
    for value in again.state[resumed[0]].values():
        assert not isinstance(value, np.ndarray)
