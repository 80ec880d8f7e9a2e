"""The exception types likelygrad adds: each is also the built-in type torch raises, so both
`except RuntimeError` (PyTorch code) and `except ValueError` (NumPy-style code) catch it."""

from __future__ import annotations


class ShapeError(RuntimeError, ValueError):
    """Arguments of the wrong shape (operands that do not broadcast, a matmul whose inner sizes
    differ, a layer given the wrong number of features): a RuntimeError, as PyTorch raises, and
    a ValueError, as NumPy raises."""


class StateDictError(RuntimeError, ValueError):
    """A state dict that does not fit the model (missing or unexpected keys, wrong shapes or
    values): a RuntimeError, as torch's load_state_dict raises, and a ValueError."""
