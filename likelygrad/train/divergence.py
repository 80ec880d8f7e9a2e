"""Stopping a diverging run at once: a nan or inf training loss, or weights, raise in `fit`.

Without this, a learning rate that is too large lets nan spread through every weight for the
rest of the epoch, and the first error the user sees comes from somewhere unrelated (the
calibration metric refusing nan probabilities). The loss is checked at every step, before the
update (one comparison); the weights once per epoch, before they are evaluated or saved, so a
checkpoint never holds nan and the last one written stays the last good one.
"""

from __future__ import annotations

import math
from typing import Any


class NonFiniteLossError(FloatingPointError, ValueError):
    """`fit` stopped because the training loss or the weights became nan or inf.

    Attributes: `epoch` and `step` (1-based; `step` of `steps` batches in that epoch), `loss`
    (the last loss computed), `lr` (the first parameter group's learning rate) and
    `checkpoint_epoch`, the epoch of the last checkpoint on disk (None when there is none).
    A `ValueError` too, so code that treats bad settings as ValueError catches it.
    """

    def __init__(
        self,
        message: str,
        *,
        epoch: int,
        step: int,
        steps: int,
        loss: float,
        lr: float,
        checkpoint_epoch: int | None,
    ) -> None:
        super().__init__(message)
        self.epoch, self.step, self.steps, self.loss = epoch, step, steps, loss
        self.lr, self.checkpoint_epoch = lr, checkpoint_epoch


class FiniteGuard:
    """One epoch's checks: `check_loss` at each step, `check_weights` at the end."""

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        epoch: int,
        steps: int,
        start: int,
        saving: bool,
        loss_before_update: bool = True,
    ) -> None:
        self.model, self.optimizer, self.epoch, self.steps = model, optimizer, epoch, steps
        self.step, self.loss = 0, math.nan
        # fit saves after every epoch, so the one before this (if any) is on disk
        self.checkpoint_epoch = epoch - 1 if saving and epoch > 1 else None
        # is the first loss checked computed before this call to fit changed any weight?
        # (not for L-BFGS, whose loss is checked after its step)
        self.first_loss = epoch == start + 1 and loss_before_update

    def check_loss(self, loss: float) -> None:
        """Count a step; raise if its loss is nan or inf."""
        self.step += 1
        self.loss = loss
        if not math.isfinite(loss):
            self._fail(f"the training loss is {loss}")

    def check_weights(self) -> None:
        """Raise if any parameter holds nan or inf."""
        bad = [n for n, p in self.model.named_parameters() if not bool(p.isfinite().all())]
        if bad:
            more = ", ..." if len(bad) > 3 else ""
            self._fail(f"the weights {', '.join(bad[:3])}{more} hold nan or inf")

    def _fail(self, what: str) -> None:
        lr = self.optimizer.param_groups[0]["lr"]
        step = max(self.step, 1)
        if self.first_loss and self.step == 1 and not math.isfinite(self.loss):
            why = "this is before any update: do the inputs or the initial weights hold nan or inf?"
        else:
            why = f"training diverged: lower the learning rate (now {lr:g})"
        raise NonFiniteLossError(
            f"fit: {what} at epoch {self.epoch}, step {step} of {self.steps}; {why}",
            epoch=self.epoch,
            step=step,
            steps=self.steps,
            loss=self.loss,
            lr=lr,
            checkpoint_epoch=self.checkpoint_epoch,
        )
