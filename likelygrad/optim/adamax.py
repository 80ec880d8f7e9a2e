"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..backend import backend_of
from .optimizer import (
    Optimizer,
    check_betas,
    check_implementation_flags,
    check_nonnegative,
    descent_gradient,
    lerp_,
)


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7) with torch.optim.Adamax's update rule.

    With learning rate γ, betas (β₁, β₂), eps ε and weight decay λ, step t computes::

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}            (∇f negated first when maximize=True)
        m_t = β₁ m_{t-1} + (1 - β₁) g_t          (m_0 = 0)
        u_t = max(β₂ u_{t-1}, |g_t| + ε)         (u_0 = 0)
        θ_t = θ_{t-1} - γ / (1 - β₁ᵗ) · m_t / u_t
    """

    _param_shaped_state = ("exp_avg", "exp_inf")
    _required_state = ("step", "exp_avg", "exp_inf")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_implementation_flags("Adamax", foreach, None, capturable, differentiable)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        check_nonnegative(group["eps"], "epsilon value")
        check_betas(group["betas"])
        check_nonnegative(group["weight_decay"], "weight_decay value")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one Adamax update to every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, eps = float(group["lr"]), float(group["eps"])
            beta1, beta2 = (float(b) for b in group["betas"])
            decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                data = p.array
                xp = backend_of(data)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = xp.zeros_like(data)
                    state["exp_inf"] = xp.zeros_like(data)
                t = state["step"] = state["step"] + 1
                g, _ = descent_gradient(p.grad.array, data, decay, maximize)

                m, u = state["exp_avg"], state["exp_inf"]
                lerp_(m, g, 1.0 - beta1)
                u *= beta2
                work = xp.abs(g)
                work += eps
                u[...] = xp.maximum(u, work)
                work = m / u
                work *= -lr / (1.0 - beta1**t)
                data += work
        return loss
