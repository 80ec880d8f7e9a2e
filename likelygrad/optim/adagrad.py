"""Adagrad: per-coordinate step sizes that shrink with the sum of squared gradients so far."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..backend import backend_of
from .optimizer import (
    Optimizer,
    check_implementation_flags,
    check_nonnegative,
    descent_gradient,
)


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011) with torch.optim.Adagrad's update rule.

    With learning rate γ, lr decay η, eps ε, weight decay λ and initial accumulator value s₀::

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}              (∇f negated first when maximize=True)
        γ_t = γ / (1 + (t - 1) η)
        s_t = s_{t-1} + g_t²
        θ_t = θ_{t-1} - γ_t g_t / (√s_t + ε)

    As in torch, every parameter's state (``step`` 0 and ``sum`` filled with s₀) is created when
    the optimizer is, so ``state_dict()`` lists all parameters from the start.
    """

    _param_shaped_state = ("sum",)
    _required_state = ("step", "sum")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_implementation_flags("Adagrad", foreach, fused, False, differentiable)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        state["step"] = 0
        fill = float(group["initial_accumulator_value"])
        state["sum"] = backend_of(p.array).full_like(p.array, fill)
        return state

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        check_nonnegative(group["lr_decay"], "lr_decay value")
        check_nonnegative(group["weight_decay"], "weight_decay value")
        value = group["initial_accumulator_value"]
        check_nonnegative(value, "initial_accumulator_value value")
        check_nonnegative(group["eps"], "epsilon value")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one Adagrad update to every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
            decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                data = p.array
                state = self.state[p]
                if not state:  # a parameter added by add_param_group after construction
                    state = self._init_state(p, group)
                t = state["step"] = state["step"] + 1
                g, _ = descent_gradient(p.grad.array, data, decay, maximize)
                rate = lr / (1 + (t - 1) * lr_decay)
                total = state["sum"]
                total += g * g
                scale = backend_of(data).sqrt(total)
                scale += eps
                step = g / scale
                step *= rate
                data -= step
        return loss
