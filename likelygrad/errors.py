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


class DataTypeError(RuntimeError, TypeError):
    """Data a tensor cannot hold (None, strings, objects): torch raises RuntimeError or TypeError
    by case, so this is both."""


class OutOfRangeError(RuntimeError, OverflowError):
    """A value that does not fit the requested dtype (2**40 as int32): torch's RuntimeError."""


class ScalarConversionError(ValueError, RuntimeError):
    """int(t) or float(t) of a tensor with more than one element: torch's ValueError."""


class EmptySequenceError(ValueError, TypeError):
    """cat([]) or stack([]): torch's ValueError."""


class SizeMismatchError(AssertionError, ValueError):
    """Tensors whose first dimensions differ in a TensorDataset: torch asserts (AssertionError)."""


class IntegerPowerError(RuntimeError, ValueError):
    """An integer raised to a negative integer power: torch's RuntimeError."""
