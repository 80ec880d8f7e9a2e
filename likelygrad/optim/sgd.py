"""Stochastic gradient descent, with optional (Nesterov) momentum and weight decay."""

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


class SGD(Optimizer):
    r"""Stochastic gradient descent with torch.optim.SGD's update rule.

    With learning rate γ, momentum μ, dampening τ and weight decay λ, each step computes::

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}           (∇f negated first when maximize=True)
        b_t = g_t if t = 1 else μ b_{t-1} + (1 - τ) g_t          (only when μ ≠ 0)
        g_t ← g_t + μ b_t if nesterov else b_t                   (only when μ ≠ 0)
        θ_t = θ_{t-1} - γ g_t

    Weight decay is a Gaussian prior on θ: adding λθ to the gradient of the negative
    log-likelihood maximizes the posterior (MAP estimation, an L2 penalty λ/2 ‖θ‖²).
    ``maximize=True`` climbs f instead, e.g. a log-likelihood written literally.
    """

    _param_shaped_state = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_implementation_flags("SGD", foreach, fused, False, differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        check_nonnegative(group["momentum"], "momentum value")
        check_nonnegative(group["weight_decay"], "weight_decay value")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one SGD update to every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        states = self.state.by_id
        for group in self.param_groups:
            # Python floats, so float32 arrays stay float32 (NumPy 2 treats them as weak scalars)
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            keep = 1.0 - float(group["dampening"])
            nesterov = bool(group["nesterov"])
            decay = float(group["weight_decay"])
            maximize = bool(group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                data = p.array
                g, owned = descent_gradient(p.grad.array, data, decay, maximize)
                if momentum != 0.0:
                    state = states.get(id(p))
                    buf = state.get("momentum_buffer") if state else None
                    if buf is None:  # the first buffer is the gradient itself, undamped
                        buf = backend_of(data).asarray(g, copy=True)
                        self.state[p]["momentum_buffer"] = buf
                    elif not nesterov and hasattr(backend := backend_of(data), "sgd_momentum_"):
                        backend.sgd_momentum_(data, buf, g, lr, momentum, keep)  # one kernel
                        continue
                    else:
                        buf *= momentum
                        buf += g if keep == 1.0 else keep * g
                    if nesterov:
                        ahead = buf * momentum
                        ahead += g
                        g, owned = ahead, True
                    else:
                        g, owned = buf, False
                if owned:
                    g *= lr
                    data -= g
                else:
                    data -= lr * g
        return loss
