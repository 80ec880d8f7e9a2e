"""Cosine schedules: annealing to a floor (CosineAnnealingLR) and with warm restarts (SGDR)."""

from __future__ import annotations

import math

from ..optimizer import Optimizer
from .base import LRScheduler, group_values


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
        self._warn_if_outside_step()
        lrs = group_values(self.optimizer, "lr")
        if self._is_initial:
            return lrs
        e, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._step_count == 1 and e > 0:  # as torch: the closed form on a first real step
            return self._get_closed_form_lr()
        if (e - 1 - period) % (2 * period) == 0:  # leaving the trough, where cos(π(e-1)/T) = -1
            rise = (1 - math.cos(math.pi / period)) / 2
            return [lr + (base - low) * rise for lr, base in zip(lrs, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * e / period)) / (1 + math.cos(math.pi * (e - 1) / period))
        return [ratio * (lr - low) + low for lr in lrs]

    def _get_closed_form_lr(self) -> list[float]:
        wave = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * wave / 2 for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""SGDR (Loshchilov & Hutter, 2017): cosine annealing from η_max to ``eta_min`` over T_i
    epochs, then a restart at η_max with T_{i+1} = T_mult · T_i (T_0 first).

    η = η_min + (η_max - η_min)(1 + cos(π T_cur / T_i)) / 2, T_cur counting epochs since the
    last restart. ``step(epoch)`` takes fractional epochs (``epoch + i / len(loader)``).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(
                f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}"
            )
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The closed-form lr at T_cur within the current period."""
        self._warn_if_outside_step()
        wave = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (base - self.eta_min) * wave / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one epoch, or jump to (fractional) ``epoch``, restarting where due."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:  # which period epoch falls in: T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            lrs = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = group_values(self.optimizer, "lr")
