"""StepLR, ExponentialLR and CosineAnnealingLR against torch.optim.lr_scheduler."""

from __future__ import annotations

import math

import numpy as np
import pytest
from params import P, set_grad

from likelygrad.optim import SGD, flatten_state, lr_scheduler, unflatten_state

# (id, scheduler class name in both libraries, keyword arguments)
CONFIGS = [
    ("step", "StepLR", {"step_size": 7, "gamma": 0.5}),
    ("exponential", "ExponentialLR", {"gamma": 0.93}),
    ("cosine", "CosineAnnealingLR", {"T_max": 20, "eta_min": 0.001}),
    ("cosine-to-zero", "CosineAnnealingLR", {"T_max": 13}),
]
EPOCHS = 60  # past T_max, through the troughs where the recursion divides 0 by 0
GRAD = np.linspace(-1.0, 1.0, 4)


def make_ours(name: str, kwargs: dict):
    params = [P(np.ones(4)), P(np.ones(4))]
    opt = SGD([{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.03}])
    return params, opt, getattr(lr_scheduler, name)(opt, **kwargs)


def ours_epoch(params, opt, scheduler) -> list[float]:
    for p in params:
        set_grad(p, GRAD)
    opt.step()
    scheduler.step()
    return scheduler.get_last_lr()


@pytest.mark.parametrize("name,kwargs", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    tensors = [torch.ones(4, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    torch_opt = torch.optim.SGD([{"params": [tensors[0]], "lr": 0.1}, {"params": [tensors[1]]}])
    torch_opt.param_groups[1]["lr"] = 0.03
    torch_scheduler = getattr(torch.optim.lr_scheduler, name)(torch_opt, **kwargs)
    params, opt, scheduler = make_ours(name, kwargs)
    assert scheduler.get_last_lr() == torch_scheduler.get_last_lr() == [0.1, 0.03]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    for epoch in range(EPOCHS):
        if epoch == 25:  # schedules are chainable: an outside change carries forward in both
            opt.param_groups[0]["lr"] *= 0.5
            torch_opt.param_groups[0]["lr"] *= 0.5
        for t in tensors:
            t.grad = torch.from_numpy(GRAD)
        torch_opt.step()
        torch_scheduler.step()
        assert ours_epoch(params, opt, scheduler) == torch_scheduler.get_last_lr()  # exactly
        assert scheduler.last_epoch == torch_scheduler.last_epoch == epoch + 1
    for p, t in zip(params, tensors):
        np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-14)


@pytest.mark.parametrize("eta_min", [0.0, 0.001])
def test_cosine_recursion_stays_on_the_closed_form(eta_min):
    params, opt, scheduler = make_ours("CosineAnnealingLR", {"T_max": 20, "eta_min": eta_min})
    for epoch in range(1, EPOCHS + 1):
        lrs = ours_epoch(params, opt, scheduler)
        for lr, base in zip(lrs, (0.1, 0.03)):
            exact = eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / 20)) / 2
            assert lr == pytest.approx(exact, rel=1e-12, abs=1e-17)


@pytest.mark.parametrize("name,kwargs", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_state_dict_resume_equals_uninterrupted(name, kwargs):
    params, opt, scheduler = make_ours(name, kwargs)
    straight = [ours_epoch(params, opt, scheduler) for _ in range(30)]
    params, opt, scheduler = make_ours(name, kwargs)
    for _ in range(12):
        ours_epoch(params, opt, scheduler)
    opt_state = unflatten_state(flatten_state(opt.state_dict()))
    scheduler_state = unflatten_state(flatten_state(scheduler.state_dict()))

    params = [P(p.array.copy()) for p in params]
    opt = SGD([{"params": [params[0]]}, {"params": [params[1]]}], lr=5.0)
    opt.load_state_dict(opt_state)  # brings back lr and initial_lr
    scheduler = getattr(lr_scheduler, name)(opt, **kwargs)
    scheduler.load_state_dict(scheduler_state)
    resumed = [ours_epoch(params, opt, scheduler) for _ in range(18)]
    assert resumed == straight[12:]


def test_invalid_arguments():
    opt = SGD([P(np.ones(2))], lr=0.1)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=3)
    with pytest.raises(ValueError, match="Invalid step_size: 0"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="Invalid T_max: 0"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match=r"param_groups \[0\] have no 'initial_lr'"):
        lr_scheduler.ExponentialLR(opt, gamma=0.9, last_epoch=4)
