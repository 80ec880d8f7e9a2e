"""RMSprop: divide each coordinate's step by a running root-mean-square of its gradient."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..backend import backend_of
from .optimizer import (
    Optimizer,
    check_implementation_flags,
    check_nonnegative,
    descent_gradient,
    lerp_,
)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e) with torch.optim.RMSprop's update rule.

    With learning rate γ, smoothing α, eps ε, momentum μ and weight decay λ, step t computes::

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}               (∇f negated first when maximize=True)
        v_t = α v_{t-1} + (1 - α) g_t²              (v_0 = 0)
        ḡ_t = α ḡ_{t-1} + (1 - α) g_t               (centered only; ḡ_0 = 0)
        s_t = √(v_t - ḡ_t²) + ε if centered else √v_t + ε
        b_t = μ b_{t-1} + g_t / s_t;  θ_t = θ_{t-1} - γ b_t     (μ > 0; b_0 = 0)
        θ_t = θ_{t-1} - γ g_t / s_t                              (μ = 0)

    v_t estimates the second moment E[g²] of the gradient; ``centered`` subtracts the squared
    running mean, dividing by an estimate of its standard deviation instead.
    """

    _param_shaped_state = ("square_avg", "momentum_buffer", "grad_avg")
    _required_state = ("step", "square_avg")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation_flags("RMSprop", foreach, None, capturable, differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        check_nonnegative(group["eps"], "epsilon value")
        check_nonnegative(group["momentum"], "momentum value")
        check_nonnegative(group["weight_decay"], "weight_decay value")
        check_nonnegative(group["alpha"], "alpha value")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one RMSprop update to every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            momentum, centered = float(group["momentum"]), bool(group["centered"])
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
                for key, wanted in (("momentum_buffer", momentum > 0), ("grad_avg", centered)):
                    if wanted and key not in state:
                        state[key] = xp.zeros_like(data)
                state["step"] += 1
                g, _ = descent_gradient(p.grad.array, data, decay, maximize)

                v = state["square_avg"]
                v *= alpha
                work = g * g
                work *= 1.0 - alpha
                v += work
                if centered:
                    mean = state["grad_avg"]
                    lerp_(mean, g, 1.0 - alpha)
                    work = v - mean * mean
                    scale = xp.sqrt(work)
                else:
                    scale = xp.sqrt(v)
                scale += eps
                step = g / scale
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf *= momentum
                    buf += step
                    step = buf * lr
                else:
                    step *= lr
                data -= step
        return loss
