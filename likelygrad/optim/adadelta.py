"""Adadelta: step sizes from the ratio of running RMS updates to running RMS gradients."""

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


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012) with torch.optim.Adadelta's update rule.

    With learning rate γ, decay ρ, eps ε and weight decay λ, step t computes::

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}                (∇f negated first when maximize=True)
        v_t = ρ v_{t-1} + (1 - ρ) g_t²                (v_0 = 0)
        Δ_t = √(u_{t-1} + ε) / √(v_t + ε) · g_t
        u_t = ρ u_{t-1} + (1 - ρ) Δ_t²                (u_0 = 0)
        θ_t = θ_{t-1} - γ Δ_t

    The ratio of RMS values gives each coordinate a step with the units of θ, which is why the
    default learning rate is 1.0 (PyTorch's MNIST example uses Adadelta with lr=1.0).
    """

    _param_shaped_state = ("square_avg", "acc_delta")
    _required_state = ("step", "square_avg", "acc_delta")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation_flags("Adadelta", foreach, None, capturable, differentiable)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']}")
        check_nonnegative(group["eps"], "epsilon value")
        check_nonnegative(group["weight_decay"], "weight_decay value")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one Adadelta update to every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
            decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                data = p.array
                xp = backend_of(data)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = xp.zeros_like(data)
                    state["acc_delta"] = xp.zeros_like(data)
                state["step"] += 1
                g, _ = descent_gradient(p.grad.array, data, decay, maximize)

                v, u = state["square_avg"], state["acc_delta"]
                v *= rho
                work = g * g
                work *= 1.0 - rho
                v += work
                delta = xp.sqrt(u + eps)
                delta /= xp.sqrt(v + eps)
                delta *= g
                u *= rho
                work = delta * delta
                work *= 1.0 - rho
                u += work
                delta *= lr
                data -= delta
        return loss
