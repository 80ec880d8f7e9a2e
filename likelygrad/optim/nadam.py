"""NAdam: Adam with Nesterov momentum, looking one momentum step ahead."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..backend import backend_of
from .optimizer import (
    Optimizer,
    check_betas,
    check_implementation_flags,
    check_nonnegative,
    descent_gradient,
    lerp_,
)


def _state_product(state_value: float, factor: float) -> float:
    """``state_value · factor`` as torch computes it on a 0-d state tensor: in float32 unless
    the default dtype is float64 (torch's ``_get_scalar_dtype``), the scalar rounded first."""
    if dtypes.get_default_dtype() == np.float64:
        return float(state_value) * factor
    return float(np.float32(state_value) * np.float32(factor))


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016) with torch.optim.NAdam's update rule and momentum schedule.

    With learning rate γ, betas (β₁, β₂), eps ε, weight decay λ and momentum decay ψ::

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}        (∇f negated first when maximize=True; with
                                              decoupled_weight_decay, θ ← (1 - γλ) θ instead)
        μ_t = β₁ (1 - ½ · 0.96^(t ψ)),  Π_t = Π_{t-1} μ_t           (Π_0 = 1)
        m_t = β₁ m_{t-1} + (1 - β₁) g_t;  v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        d_t = √(v_t / (1 - β₂ᵗ)) + ε
        θ_t = θ_{t-1} - γ (1 - μ_t) / (1 - Π_t) · g_t / d_t
                      - γ μ_{t+1} / (1 - Π_t μ_{t+1}) · m_t / d_t

    The running product Π_t is kept as torch keeps it: ``state["mu_product"]``, rounded to
    float32 after every step unless the default dtype is float64.
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq")
    _required_state = ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation_flags("NAdam", foreach, None, capturable, differentiable)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        check_nonnegative(group["eps"], "epsilon value")
        check_betas(group["betas"])
        check_nonnegative(group["weight_decay"], "weight_decay value")
        check_nonnegative(group["momentum_decay"], "momentum_decay value")

    def _loaded_state_problems(self, index: int, state: dict[str, Any]) -> list[str]:
        value = state.get("mu_product")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"mu_product of parameter {index} must be a number, not {value!r}"]
        return []

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one NAdam update to every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, eps = float(group["lr"]), float(group["eps"])
            beta1, beta2 = (float(b) for b in group["betas"])
            decay, psi = float(group["weight_decay"]), float(group["momentum_decay"])
            decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                data = p.array
                xp = backend_of(data)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["mu_product"] = 1.0
                    state["exp_avg"] = xp.zeros_like(data)
                    state["exp_avg_sq"] = xp.zeros_like(data)
                t = state["step"] = state["step"] + 1
                if decay != 0.0 and decoupled:
                    data *= 1.0 - lr * decay
                g, _ = descent_gradient(p.grad.array, data, 0.0 if decoupled else decay, maximize)

                # the momentum schedule μ_t and the running product Π_t
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                product = state["mu_product"] = _state_product(state["mu_product"], mu)

                m, v = state["exp_avg"], state["exp_avg_sq"]
                lerp_(m, g, 1.0 - beta1)
                v *= beta2
                work = g * g
                work *= 1.0 - beta2
                v += work
                denom = v / (1.0 - beta2**t)
                denom = xp.sqrt(denom)
                denom += eps
                work = g / denom
                work *= -lr * (1.0 - mu) / (1.0 - product)
                data += work
                work = m / denom
                work *= -lr * mu_next / (1.0 - product * mu_next)
                data += work
        return loss
