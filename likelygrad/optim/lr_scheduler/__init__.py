"""Learning-rate schedules with torch.optim.lr_scheduler's names, arguments and values.

Like torch's, the schedulers are "chainable": each ``step()`` rescales the learning rate that is
in the optimizer's groups now, so a change made by other code carries forward. Call
``scheduler.step()`` after ``optimizer.step()``: once per epoch, or once per batch for
OneCycleLR; ReduceLROnPlateau's ``step(metric)`` takes the validation loss.
"""

from .base import LRScheduler
from .composite import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .multiplicative import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
