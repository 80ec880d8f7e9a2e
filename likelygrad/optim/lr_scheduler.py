"""Learning-rate schedules: StepLR, ExponentialLR and CosineAnnealingLR, as in torch.optim.

Like torch's, these schedulers are "chainable": each ``step()`` rescales the learning rate that is
in the optimizer's groups now, so a change made by other code carries forward. Call
``scheduler.step()`` once per epoch, after ``optimizer.step()``.
"""

from __future__ import annotations

import math
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and writes ``get_lr()`` into each group.

    With ``last_epoch=-1`` (a fresh run) each group's current lr is recorded as
    ``group["initial_lr"]`` (unless already there); resuming with ``last_epoch >= 0`` requires it.
    Construction performs the first ``step()``, which leaves the learning rates unchanged.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        missing = [i for i, group in enumerate(groups) if "initial_lr" not in group]
        if missing:
            raise ValueError(
                f"param_groups {missing} have no 'initial_lr', needed to resume a schedule at "
                f"last_epoch={last_epoch}; load the optimizer's state_dict first or pass -1"
            )
        self.base_lrs: list[float] = [group["initial_lr"] for group in groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True  # get_lr() keeps the current values during the first step
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for the epoch ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr()")

    def step(self) -> None:
        """Move to the next epoch and set every group's lr for it."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the most recent ``step()``, one per param group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything except the optimizer: plain numbers and lists, ready for a checkpoint."""
        return {
            key: list(value) if isinstance(value, list) else value
            for key, value in self.__dict__.items()
            if key != "optimizer"
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()`` (the optimizer's own state is loaded separately)."""
        self.__dict__.update(
            {k: list(v) if isinstance(v, list) else v for k, v in state_dict.items()}
        )

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every ``step_size`` epochs.

    In closed form lr_e = initial_lr · gamma^⌊e / step_size⌋ (when nothing else changes the lr).
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if not (isinstance(step_size, int) and step_size >= 1):
            raise ValueError(f"Invalid step_size: {step_size!r} (need an int >= 1)")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Current lrs, times ``gamma`` when ``last_epoch`` is a positive multiple of step_size."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every epoch: lr_e = initial_lr · gamma^e."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Current lrs times ``gamma`` (unchanged on the step made at construction)."""
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal each group's lr from its initial value η_max to ``eta_min`` over ``T_max`` epochs.

    The target is the SGDR curve without restarts,
    η_e = η_min + (η_max - η_min)(1 + cos(π e / T_max)) / 2, which keeps oscillating with period
    2 T_max past e = T_max. As in torch it is applied recursively, one epoch to the next::

        η_e = η_min + (η_{e-1} - η_min) (1 + cos(π e / T_max)) / (1 + cos(π (e-1) / T_max))

    except at e ≡ T_max + 1 (mod 2 T_max), where that ratio is 0/0 and the closed-form increment
    (η_max - η_min)(1 - cos(π / T_max)) / 2 is added instead. The arithmetic is the same as
    torch's, so the values agree exactly; they differ from the closed form by rounding only.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if not (isinstance(T_max, int) and T_max >= 1):
            raise ValueError(f"Invalid T_max: {T_max!r} (need an int >= 1)")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Advance each group's lr by one epoch along the cosine curve."""
        if self._is_initial:
            return self._current_lrs()
        e, period, low = self.last_epoch, self.T_max, self.eta_min
        if (e - 1 - period) % (2 * period) == 0:  # leaving the trough, where cos(π(e-1)/T) = -1
            rise = (1 - math.cos(math.pi / period)) / 2
            return [
                lr + (base - low) * rise for lr, base in zip(self._current_lrs(), self.base_lrs)
            ]
        ratio = (1 + math.cos(math.pi * e / period)) / (1 + math.cos(math.pi * (e - 1) / period))
        return [ratio * (lr - low) + low for lr in self._current_lrs()]
