"""Adam and AdamW: per-coordinate step sizes from running moments of the gradient."""

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


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) with torch.optim.Adam's update rule, including amsgrad.

    With learning rate γ, betas (β₁, β₂), eps ε and weight decay λ, step t computes::

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}             (∇f negated first when maximize=True)
        m_t = β₁ m_{t-1} + (1 - β₁) g_t           (m_0 = 0)
        v_t = β₂ v_{t-1} + (1 - β₂) g_t²          (v_0 = 0)
        v̂_t = max(v̂_{t-1}, v_t) if amsgrad else v_t
        θ_t = θ_{t-1} - γ / (1 - β₁ᵗ) · m_t / (√v̂_t / √(1 - β₂ᵗ) + ε)

    Weight decay here adds λθ to the gradient: a Gaussian prior on θ, i.e. MAP estimation with
    an L2 penalty, whose pull Adam then rescales per coordinate (see AdamW for the decoupled
    form, also reached with ``decoupled_weight_decay=True``). ``maximize=True`` climbs f
    instead, e.g. a log-likelihood written literally.
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _required_state = ("step", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        check_nonnegative(group["eps"], "epsilon value")
        check_betas(group["betas"])
        check_nonnegative(group["weight_decay"], "weight_decay value")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one Adam update to every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        states = self.state.by_id
        for group in self.param_groups:
            # Python floats, so float32 arrays stay float32 (NumPy 2 treats them as weak scalars)
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            decay = float(group["weight_decay"])
            amsgrad = bool(group["amsgrad"])
            maximize = bool(group["maximize"])
            decoupled = bool(group["decoupled_weight_decay"])
            shrink = 1.0 - lr * decay
            for p in group["params"]:
                if p.grad is None:
                    continue
                data = p.array
                xp = backend_of(data)
                state = states.get(id(p))
                if not state:
                    state = self.state[p]
                    state["step"] = 0
                    state["exp_avg"] = xp.zeros_like(data)
                    state["exp_avg_sq"] = xp.zeros_like(data)
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = xp.zeros_like(data)
                t = state["step"] = state["step"] + 1
                m, v = state["exp_avg"], state["exp_avg_sq"]

                if decay != 0.0 and decoupled:
                    data *= shrink  # AdamW: θ ← (1 - γλ) θ before the moment updates
                g, _ = descent_gradient(p.grad.array, data, 0.0 if decoupled else decay, maximize)

                lerp_(m, g, 1.0 - beta1)  # m ← β₁ m + (1 - β₁) g
                v *= beta2
                work = g * g
                work *= 1.0 - beta2
                v += work

                # the denominator √v̂ / √(1 - β₂ᵗ) + ε; scalars stay Python floats
                if amsgrad:
                    v_max = state["max_exp_avg_sq"]
                    v_max[...] = xp.maximum(v_max, v)
                    work = xp.sqrt(v_max)
                else:
                    work = xp.sqrt(v)
                work /= (1.0 - beta2**t) ** 0.5
                work += eps
                work = m / work
                work *= -lr / (1.0 - beta1**t)
                data += work
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as torch.optim.AdamW.

    The decay shrinks θ directly instead of entering the moments; the rest is Adam's rule::

        θ_{t-1} ← (1 - γλ) θ_{t-1}
        then the Adam step above with g_t = ∇f(θ_{t-1}) (negated when maximize=True)

    The shrinkage is still a Gaussian prior on θ pulling it toward zero, now at the same rate for
    every coordinate rather than rescaled by Adam's per-coordinate step sizes.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
            capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=True,
        )  # fmt: skip
