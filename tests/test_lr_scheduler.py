"""Every learning-rate scheduler against torch.optim.lr_scheduler, step by step, exactly.

Each row builds the same schedule in both libraries from the module it is given (ours or
torch's), on an optimizer with two param groups; the learning rates (and, for OneCycleLR, the
momentum) must be equal as Python floats after every step, and a state dict taken midway must
resume the schedule exactly.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from params import P, set_grad

import likelygrad as lg
from likelygrad.optim import SGD, Adam, flatten_state, lr_scheduler, unflatten_state


def lam(e):
    return 0.95**e


def mult(e):
    return 0.9 if e % 3 else 1.05


def _sequential(m, opt):
    warm = m.LinearLR(opt, start_factor=0.1, total_iters=4)
    return m.SequentialLR(opt, [warm, m.CosineAnnealingLR(opt, T_max=15)], milestones=[5])


def _sequential3(m, opt):
    parts = [m.ConstantLR(opt, factor=0.5, total_iters=3), m.ExponentialLR(opt, gamma=0.9),
             m.StepLR(opt, step_size=4, gamma=0.5)]  # fmt: skip
    return m.SequentialLR(opt, parts, milestones=[6, 14])


def _chained(m, opt):
    parts = [m.ConstantLR(opt, factor=0.2, total_iters=5), m.ExponentialLR(opt, gamma=0.93)]
    return m.ChainedScheduler(parts)


# (id, builder(module, optimizer) -> scheduler, optimizer kind, steps)
ROWS = [
    ("lambda", lambda m, o: m.LambdaLR(o, lam), "sgd", 40),
    ("lambda-per-group", lambda m, o: m.LambdaLR(o, [lam, lambda e: 1 / (1 + e)]), "sgd", 40),
    ("multiplicative", lambda m, o: m.MultiplicativeLR(o, mult), "sgd", 40),
    ("step", lambda m, o: m.StepLR(o, step_size=7, gamma=0.5), "sgd", 60),
    ("multistep", lambda m, o: m.MultiStepLR(o, [3, 8, 8, 20], gamma=0.3), "sgd", 30),
    ("exponential", lambda m, o: m.ExponentialLR(o, gamma=0.93), "sgd", 60),
    ("cosine", lambda m, o: m.CosineAnnealingLR(o, T_max=20, eta_min=0.001), "sgd", 60),
    ("cosine-to-zero", lambda m, o: m.CosineAnnealingLR(o, T_max=13), "sgd", 60),
    ("warm-restarts", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2), "sgd", 50),
    ("linear", lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=8), "sgd", 20),
    ("linear-down", lambda m, o: m.LinearLR(o, 1.0, 0.1, total_iters=10), "sgd", 20),
    ("constant", lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4), "sgd", 12),
    ("polynomial", lambda m, o: m.PolynomialLR(o, total_iters=12, power=2.0), "sgd", 20),
    ("one-cycle", lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=40), "sgd", 40),
    (
        "one-cycle-adam",
        lambda m, o: m.OneCycleLR(
            o,
            max_lr=[0.5, 0.2],
            epochs=4,
            steps_per_epoch=9,
            anneal_strategy="linear",
            three_phase=True,
        ),
        "adam",
        36,
    ),  # fmt: skip
    ("sequential", _sequential, "sgd", 30),
    ("sequential-3", _sequential3, "sgd", 30),
    ("chained", _chained, "sgd", 20),
]
IDS = [r[0] for r in ROWS]
GRAD = np.linspace(-1.0, 1.0, 4)


def make_ours(build, kind):
    params = [P(np.ones(4)), P(np.ones(4))]
    groups = [{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.03}]
    opt = SGD(groups, momentum=0.9) if kind == "sgd" else Adam(groups)
    return params, opt, build(lr_scheduler, opt)


def make_torch(build, kind):
    torch = pytest.importorskip("torch")
    tensors = [torch.ones(4, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    groups = [{"params": [tensors[0]], "lr": 0.1}, {"params": [tensors[1]], "lr": 0.03}]
    opt = torch.optim.SGD(groups, momentum=0.9) if kind == "sgd" else torch.optim.Adam(groups)
    return torch, tensors, opt, build(torch.optim.lr_scheduler, opt)


def ours_epoch(params, opt, scheduler) -> list[float]:
    for p in params:
        set_grad(p, GRAD)
    opt.step()
    scheduler.step()
    return scheduler.get_last_lr()


def momenta(opt) -> list:
    return [g.get("momentum", g.get("betas")) for g in opt.param_groups]


@pytest.mark.parametrize("name,build,kind,steps", ROWS, ids=IDS)
def test_matches_torch(name, build, kind, steps):
    torch, tensors, torch_opt, theirs = make_torch(build, kind)
    params, opt, ours = make_ours(build, kind)
    assert ours.get_last_lr() == theirs.get_last_lr()
    assert [g["initial_lr"] for g in opt.param_groups] == [
        g["initial_lr"] for g in torch_opt.param_groups
    ]
    for epoch in range(steps):
        if epoch == 9 and not name.startswith("one-cycle"):  # OneCycleLR is not chainable
            opt.param_groups[0]["lr"] *= 0.5  # chainable: an outside change carries forward
            torch_opt.param_groups[0]["lr"] *= 0.5
        for t in tensors:
            t.grad = torch.from_numpy(GRAD)
        torch_opt.step()
        theirs.step()
        assert ours_epoch(params, opt, ours) == theirs.get_last_lr(), f"epoch {epoch + 1}"
        assert momenta(opt) == momenta(torch_opt)
        assert getattr(ours, "last_epoch", None) == getattr(theirs, "last_epoch", None)
    for p, t in zip(params, tensors):
        np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-13)


def test_reduce_on_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.91, 0.92, 0.95, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.84, 0.84] * 3
    for kwargs in [
        {"patience": 2},
        {"mode": "max", "factor": 0.5, "patience": 1, "threshold": 0.01, "cooldown": 2},
        {"threshold_mode": "abs", "threshold": 0.02, "patience": 0, "min_lr": [0.02, 0.001]},
        {"patience": 0, "factor": 0.5, "min_lr": 0.01, "eps": 0.02},
    ]:
        _, opt, _ = make_ours(lambda m, o: None, "sgd")
        ours = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        _, _, torch_opt, _ = make_torch(lambda m, o: None, "sgd")
        theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **kwargs)
        for m in metrics:
            ours.step(lg.tensor(np.float64(m)))  # a 0-d tensor, as a loss would be
            theirs.step(torch.tensor(m, dtype=torch.float64))
            assert ours.get_last_lr() == theirs.get_last_lr(), kwargs
            assert (ours.num_bad_epochs, ours.cooldown_counter, ours.best) == (
                theirs.num_bad_epochs, theirs.cooldown_counter, theirs.best,
            )  # fmt: skip
        assert ours.get_last_lr() != [0.1, 0.03]  # it did reduce


@pytest.mark.parametrize("name,kwargs", [
    ("StepLR", {"step_size": 3}), ("MultiStepLR", {"milestones": [2, 5]}),
    ("ExponentialLR", {"gamma": 0.9}), ("CosineAnnealingLR", {"T_max": 7}),
    ("LinearLR", {"total_iters": 4}), ("ConstantLR", {"total_iters": 4}),
    ("PolynomialLR", {"total_iters": 6}),
])  # fmt: skip
def test_deprecated_step_with_epoch_uses_the_closed_form_as_torch(name, kwargs):
    torch, _, torch_opt, theirs = make_torch(lambda m, o: getattr(m, name)(o, **kwargs), "sgd")
    _, opt, ours = make_ours(lambda m, o: getattr(m, name)(o, **kwargs), "sgd")
    for epoch in [3, 1, 8, 5, 0, 12]:
        with pytest.warns(UserWarning):
            theirs.step(epoch)
        with pytest.warns(UserWarning):
            ours.step(epoch)
        assert ours.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize("t_mult", [1, 2])
def test_warm_restarts_fractional_epochs_match_torch(t_mult):
    """SGDR's step(epoch + i / batches) is its documented per-batch use: no warning."""
    build = lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=t_mult, eta_min=0.01)  # noqa: E731
    _, _, _, theirs = make_torch(build, "sgd")
    _, _, ours = make_ours(build, "sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for epoch in [0.0, 0.25, 0.5, 2.75, 3.0, 4.5, 9.2, 21.0, 1.0]:
            theirs.step(epoch)
            ours.step(epoch)
            assert ours.get_last_lr() == theirs.get_last_lr()
            assert (ours.T_cur, ours.T_i, ours.last_epoch) == (
                theirs.T_cur, theirs.T_i, theirs.last_epoch,
            )  # fmt: skip


@pytest.mark.parametrize("build,kind,steps", [r[1:] for r in ROWS], ids=IDS)
def test_state_dict_resume_equals_uninterrupted(build, kind, steps):
    params, opt, scheduler = make_ours(build, kind)
    straight = [ours_epoch(params, opt, scheduler) for _ in range(steps)]
    params, opt, scheduler = make_ours(build, kind)
    half = steps // 2
    for _ in range(half):
        ours_epoch(params, opt, scheduler)
    opt_state = unflatten_state(flatten_state(opt.state_dict()))
    scheduler_state = unflatten_state(flatten_state(scheduler.state_dict()))

    # torch's order: build optimizer and scheduler, then load the optimizer, then the scheduler
    params = [P(p.array.copy()) for p in params]
    groups = [{"params": [params[0]]}, {"params": [params[1]]}]
    opt = SGD(groups, lr=5.0, momentum=0.9) if kind == "sgd" else Adam(groups, lr=5.0)
    scheduler = build(lr_scheduler, opt)
    opt.load_state_dict(opt_state)
    scheduler.load_state_dict(scheduler_state)
    resumed = [ours_epoch(params, opt, scheduler) for _ in range(steps - half)]
    assert resumed == straight[half:]


def test_plateau_state_dict_resumes():
    metrics = [1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.81, 0.82, 0.83]
    _, opt, _ = make_ours(lambda m, o: None, "sgd")
    ours = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1)
    for m in metrics[:4]:
        ours.step(m)
    state = unflatten_state(flatten_state(ours.state_dict()))
    assert math.isinf(state["mode_worse"])
    _, opt2, _ = make_ours(lambda m, o: None, "sgd")
    opt2.load_state_dict(opt.state_dict())
    again = lr_scheduler.ReduceLROnPlateau(opt2, mode="max", patience=1)
    again.load_state_dict(state)
    for m in metrics[4:]:
        ours.step(m)
        again.step(m)
        assert again.get_last_lr() == ours.get_last_lr()


@pytest.mark.parametrize("eta_min", [0.0, 0.001])
def test_cosine_recursion_stays_on_the_closed_form(eta_min):
    build = lambda m, o: m.CosineAnnealingLR(o, T_max=20, eta_min=eta_min)  # noqa: E731
    params, opt, scheduler = make_ours(build, "sgd")
    for epoch in range(1, 61):
        lrs = ours_epoch(params, opt, scheduler)
        for lr, base in zip(lrs, (0.1, 0.03)):
            exact = eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / 20)) / 2
            assert lr == pytest.approx(exact, rel=1e-12, abs=1e-17)


def test_lambda_state_keeps_callable_objects_attributes():
    class Warmup:
        def __init__(self):
            self.scale = 2.0

        def __call__(self, e):
            return self.scale * (e + 1)

    fn = Warmup()
    _, opt, scheduler = make_ours(lambda m, o: m.LambdaLR(o, [lam, fn]), "sgd")
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, {"scale": 2.0}]
    fn.scale = 5.0
    scheduler.load_state_dict(state)
    assert fn.scale == 2.0 and "lr_lambdas" in state


def test_get_lr_outside_step_warns_as_torch():
    _, opt, scheduler = make_ours(lambda m, o: m.StepLR(o, 2), "sgd")
    with pytest.warns(UserWarning, match="get_last_lr"):
        scheduler.get_lr()
    opt.step()  # first, as torch asks (else step() warns of the order)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()


def test_invalid_arguments():
    opt = SGD([P(np.ones(2))], lr=0.1)
    cases = [
        (TypeError, "list is not an Optimizer", lambda: lr_scheduler.StepLR([], step_size=3)),
        (ValueError, "Invalid step_size: 0", lambda: lr_scheduler.StepLR(opt, step_size=0)),
        (ValueError, "Invalid T_max: 0", lambda: lr_scheduler.CosineAnnealingLR(opt, T_max=0)),
        (ValueError, r"param_groups \[0\] have no 'initial_lr'",
         lambda: lr_scheduler.ExponentialLR(opt, gamma=0.9, last_epoch=4)),
        (ValueError, "Expected 1 lr_lambdas, but got 2",
         lambda: lr_scheduler.LambdaLR(opt, [lam, lam])),
        (TypeError, "lr_lambda should be a function",
         lambda: lr_scheduler.MultiplicativeLR(opt, 3)),
        (ValueError, "Starting multiplicative factor", lambda: lr_scheduler.LinearLR(opt, 0.0)),
        (ValueError, "between 0 and 1", lambda: lr_scheduler.ConstantLR(opt, factor=2.0)),
        (ValueError, "either total_steps OR", lambda: lr_scheduler.OneCycleLR(opt, 1.0)),
        (ValueError, "Expected float between 0 and 1 pct_start",
         lambda: lr_scheduler.OneCycleLR(opt, 1.0, total_steps=10, pct_start=1)),
        (ValueError, "Factor should be < 1.0",
         lambda: lr_scheduler.ReduceLROnPlateau(opt, factor=1)),
        (ValueError, "mode avg is unknown", lambda: lr_scheduler.ReduceLROnPlateau(opt, "avg")),
        (ValueError, "one more than the number of milestone",
         lambda: lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 2)], [3])),
        (ValueError, "does not support `ReduceLROnPlateau`",
         lambda: lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(opt)])),
    ]  # fmt: skip
    for error, message, make in cases:
        with pytest.raises(error, match=message):
            make()


def test_one_cycle_refuses_to_step_past_its_end_as_torch():
    _, opt, scheduler = make_ours(lambda m, o: m.OneCycleLR(o, 1.0, total_steps=3), "sgd")
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        scheduler.step()
