"""Channel dropout: zero whole channels (feature maps) at once, PyTorch's Dropout1d/Dropout2d.

Neighbouring pixels of a feature map are strongly correlated, so dropping single pixels barely
regularizes a convolutional layer; dropping a channel of (N, C, ...) for one example removes the
feature everywhere. As with `Dropout`, `p` is the probability of DROPPING, and the kept channels
are scaled by 1/(1-p) so the expected value is unchanged.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import dispatch as D
from ..random import draw
from ..tensor import Tensor
from .module import Module


def _channel_dropout(x: Tensor, p: float, training: bool, inplace: bool, generator: Any) -> Tensor:
    """x with each (example, channel) slice kept with probability 1-p, times 1/(1-p)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    shape = (x.shape[0], x.shape[1]) + (1,) * (x.ndim - 2)
    if p == 1.0:
        keep: Any = D.backend_of(x.array).zeros(shape, dtype=x.array.dtype, device=x.array.device)
    else:
        u = draw("random", shape, "float32", x.device, generator)
        keep = D.backend_of(x.array).astype(u >= p, x.array.dtype) * (1.0 / (1.0 - p))
    mask = D.make(keep, None)
    return x.mul_(mask) if inplace else x * mask


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Zero each channel of (N, C, H, W) with probability p, for each example separately."""
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: got a {input.ndim}-D input; dropout2d drops channels of "
            "(N, C, H, W) or (C, H, W) inputs (this works like dropout1d on "
            "dimension 1 and may become an error, as in torch: use dropout instead)",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: a 3-D input is taken as (N, C, L) and its channels (dimension "
            "1) are dropped per example, as torch does today; for that use dropout1d",
            stacklevel=2,
        )
    return _channel_dropout(input, p, training, inplace, generator)


def dropout1d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Zero each channel of (N, C, L) (or of an unbatched (C, L)) with probability p."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got "
            f"{input.ndim}-D input of shape {tuple(input.shape)}"
        )
    if input.ndim == 2:
        out = _channel_dropout(input.unsqueeze(0), p, training, False, generator).squeeze(0)
        return input.copy_(out) if inplace and training and p else out
    return _channel_dropout(input, p, training, inplace, generator)


class Dropout2d(Module):
    """Zeroes whole channels of (N, C, H, W) with probability `p` (of DROPPING) in training
    and scales the rest by 1/(1-p); the identity in eval mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False, generator: Any = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def forward(self, x: Tensor) -> Tensor:
        return dropout2d(x, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout2d):
    """Zeroes whole channels of (N, C, L) with probability `p` in training (see Dropout2d)."""

    def forward(self, x: Tensor) -> Tensor:
        return dropout1d(x, self.p, self.training, self.inplace, generator=self.generator)
