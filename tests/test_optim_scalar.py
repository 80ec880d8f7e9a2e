"""Every optimizer on a 0-d parameter (a scalar such as a temperature or a log-variance).

NumPy ufuncs turn 0-d inputs into NumPy scalars, and a Tensor's 0-d gradient arrives as one, so
these tests hand the optimizers NumPy-scalar gradients, compare the steps with torch.optim on a
0-d tensor, and round-trip the state through flatten_state and checkpoint files.
"""

from __future__ import annotations

import numpy as np
import pytest
from params import P, set_grad

import likelygrad as lg
from likelygrad.optim import (
    LBFGS,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    NAdam,
    RMSprop,
    flatten_state,
    unflatten_state,
)
from likelygrad.train.checkpoint import load_checkpoint, save_checkpoint

THETA0 = 0.3


def loss_grad(theta: float) -> tuple[float, float]:
    """f(θ) = (θ - 2)² + 0.5 sin(3θ), a 1-d objective with a curved minimum, and f'(θ)."""
    return (theta - 2) ** 2 + 0.5 * np.sin(3 * theta), 2 * (theta - 2) + 1.5 * np.cos(3 * theta)


CONFIGS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "maximize": True}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.1, "amsgrad": True, "maximize": True}),
    ("RMSprop", {"lr": 0.05, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.5, "lr_decay": 0.01, "maximize": True}),
    ("NAdam", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 1.0, "eps": 1e-2, "maximize": True}),
    ("Adamax", {"lr": 0.1, "weight_decay": 0.1}),
]
OURS = {
    "SGD": SGD, "Adam": Adam, "AdamW": AdamW, "RMSprop": RMSprop, "Adagrad": Adagrad,
    "NAdam": NAdam, "Adadelta": Adadelta, "Adamax": Adamax,
}  # fmt: skip
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


def train_ours(opt, p: P, steps: int, sign: float) -> None:
    for _ in range(steps):
        set_grad(p, np.float64(sign * loss_grad(float(p.array))[1]))  # a NumPy scalar, not an array
        opt.step()


def sign_of(kwargs: dict) -> float:
    return -1.0 if kwargs.get("maximize") else 1.0


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_0d_parameter_matches_torch(name, kwargs):
    p = P(np.array(THETA0))
    data = p.array
    train_ours(OURS[name]([p], **kwargs), p, 20, sign_of(kwargs))
    assert p.array is data and p.array.shape == () and abs(float(p.array) - THETA0) > 0.1
    torch = pytest.importorskip("torch")
    t = torch.tensor(THETA0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([t], **kwargs, foreach=False)
    for _ in range(20):
        grad = sign_of(kwargs) * loss_grad(float(t.detach()))[1]
        t.grad = torch.tensor(grad, dtype=torch.float64)
        opt.step()
    assert float(p.array) == pytest.approx(float(t.detach()), rel=1e-12)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("grad_type", [np.float64, float])
def test_0d_parameter_lbfgs_matches_torch(line_search_fn, grad_type):
    p = P(np.array(THETA0))
    opt = LBFGS([p], lr=0.5, max_iter=5, line_search_fn=line_search_fn)

    def closure() -> float:
        loss, grad = loss_grad(float(p.array))
        set_grad(p, grad_type(grad))  # a NumPy scalar or a Python float
        return loss

    for _ in range(3):
        opt.step(closure)
    assert p.array.shape == () and abs(float(p.array) - THETA0) > 0.1
    torch = pytest.importorskip("torch")
    t = torch.tensor(THETA0, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.LBFGS([t], lr=0.5, max_iter=5, line_search_fn=line_search_fn)

    def torch_closure():
        topt.zero_grad()
        loss = (t - 2) ** 2 + 0.5 * torch.sin(3 * t)
        loss.backward()
        return loss

    for _ in range(3):
        topt.step(torch_closure)
    assert float(p.array) == pytest.approx(float(t.detach()), rel=1e-10)


@pytest.mark.parametrize("cls", list(OURS.values()))
def test_0d_tensor_parameter_trains(cls):
    theta = lg.tensor(THETA0, requires_grad=True)  # float32; its grad is a NumPy scalar
    # settings that reach the minimum within 50 steps (Adagrad's and Adadelta's steps shrink)
    kwargs = {SGD: {"lr": 0.1, "momentum": 0.5}, Adagrad: {"lr": 1.0}}.get(cls, {"lr": 0.1})
    opt = cls([theta], **(kwargs if cls is not Adadelta else {"lr": 1.0, "eps": 0.1}))
    for _ in range(50):
        opt.zero_grad()
        ((theta - 2.0) * (theta - 2.0)).backward()
        opt.step()
    assert theta.array.shape == () and theta.array.dtype == np.float32
    assert abs(float(theta.array) - 2.0) < 0.2


@pytest.mark.parametrize("cls", list(OURS.values()))
@pytest.mark.parametrize("via", ["flat", ".npz", ".safetensors"])
def test_0d_state_round_trips(cls, via, tmp_path):
    kwargs = {"lr": 0.05, "momentum": 0.9} if cls is SGD else {"lr": 0.1}
    straight = P(np.array(THETA0))
    train_ours(cls([straight], **kwargs), straight, 6, 1.0)

    first = P(np.array(THETA0))
    opt = cls([first], **kwargs)
    train_ours(opt, first, 3, 1.0)
    flat = flatten_state(opt.state_dict())
    assert all(v.shape == () for k, v in flat.items() if k.startswith("state#0.") and "avg" in k)
    if via != "flat":
        if via == ".safetensors":
            pytest.importorskip("safetensors")
        path = save_checkpoint(tmp_path / f"ck{via}", flat, {"epoch": 3})
        flat = load_checkpoint(path)[0]
    resumed = P(first.array.copy())
    opt2 = cls([resumed], **kwargs)
    opt2.load_state_dict(unflatten_state(flat))
    train_ours(opt2, resumed, 3, 1.0)
    assert resumed.array.shape == () and float(resumed.array) == float(straight.array)
