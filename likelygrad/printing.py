"""How a tensor prints: PyTorch's layout, character for character.

    tensor([[ 0.3566, -0.0051,  1.0000],
            [ 0.2368,  0.0522, -0.3958]], grad_fn=<LinearBackward>)

The rules are torch's, so a tutorial prints what its text shows:

- one format for every element: integers as `1`; floats that are all whole numbers as `1.`;
  otherwise four decimals (`0.6370`), or scientific notation (`1.2000e-05`) when the nonzero
  magnitudes span more than 1000×, exceed 1e8 or go below 1e-4; every element is padded to the
  widest one;
- more than 1000 elements are summarized: the first and last three of each dimension, with
  `...` between them;
- rows wrap at 80 columns, and the suffixes (`dtype=`, `grad_fn=`...) go on a new line when
  they would not fit on the last one.

Only the dtype is spelled `lg.float64` where torch says `torch.float64`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80

# dtypes torch leaves unsaid: the default float, int64 and bool
_IMPLICIT = {"int64", "bool"}


class _Formatter:
    """One width and notation for all the values a tensor prints (torch's choice of both)."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            self.width = max((len(str(v)) for v in flat.tolist()), default=1)
            return
        shown = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if shown.size == 0:
            return
        magnitude = np.abs(shown)
        lo, hi = float(magnitude.min()), float(magnitude.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if self.sci_mode:
            widths = [len(f"{v:.{PRECISION}e}") for v in shown.tolist()]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in shown.tolist()]  # 1 for the trailing "."
        else:
            widths = [len(f"{v:.{PRECISION}f}") for v in shown.tolist()]
        self.width = max(widths)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _edges(values: np.ndarray) -> np.ndarray:
    """The values a summary shows: the first and last EDGEITEMS along every long dimension."""
    for axis, n in enumerate(values.shape):
        if n > 2 * EDGEITEMS:
            keep = np.r_[0:EDGEITEMS, n - EDGEITEMS : n]
            values = np.take(values, keep, axis=axis)
    return values


class _Layout:
    """Nested brackets of formatted values, wrapped at LINEWIDTH (complex: real and imag)."""

    def __init__(self, values: np.ndarray, summarize: bool) -> None:
        self.summarize = summarize
        shown = _edges(values) if summarize else values
        self.complex = values.dtype.kind == "c"
        self.real = _Formatter(shown.real if self.complex else shown)
        self.imag = _Formatter(shown.imag) if self.complex else None

    def value(self, v: Any) -> str:
        if self.imag is None:
            return self.real.format(v)
        imag = (self.imag.format(v.imag) + "j").lstrip()
        return self.real.format(v.real) + ("" if imag[0] in "+-" else "+") + imag

    def element_width(self) -> int:
        extra = self.imag.width + 1 if self.imag is not None else 0
        return self.real.width + 2 + extra  # ", " between elements

    def block(self, values: np.ndarray, indent: int) -> str:
        if values.ndim == 0:
            return self.value(values.item())
        long = self.summarize and values.shape[0] > 2 * EDGEITEMS
        head = range(EDGEITEMS) if long else range(values.shape[0])
        tail = range(values.shape[0] - EDGEITEMS, values.shape[0]) if long else range(0)
        if values.ndim == 1:
            per_line = max(1, (LINEWIDTH - indent) // self.element_width())
            items = [self.value(values[i].item()) for i in head]
            items += [" ..."] if long else []
            items += [self.value(values[i].item()) for i in tail]
            lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
            return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
        parts = [self.block(values[i], indent + 1) for i in head]
        parts += ["..."] if long else []
        parts += [self.block(values[i], indent + 1) for i in tail]
        return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append `, suffix` to the last line, or `,\\n` + indent + suffix past LINEWIDTH."""
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            text += ",\n" + " " * indent + suffix
            last_line = indent + len(suffix)
        else:
            text += ", " + suffix
            last_line += len(suffix) + 2
    return text + ")"


def tensor_repr(t: Any) -> str:
    """`tensor([1., 2.], requires_grad=True)`, with dtype, device and grad_fn when they matter."""
    from .dtypes import get_default_dtype

    values = t.numpy(force=True)
    prefix = "tensor("
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    complex_default = "complex128" if get_default_dtype().name == "float64" else "complex64"
    default = t.dtype.name in (*_IMPLICIT, complex_default) or t.dtype == get_default_dtype()
    if values.size == 0:
        body = "[]"
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        default = t.dtype == get_default_dtype()
    else:
        body = _Layout(values, values.size > THRESHOLD).block(values, len(prefix))
    if not default:
        suffixes.append(f"dtype=lg.{t.dtype.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, len(prefix))


def size_repr(shape: tuple[int, ...]) -> str:
    return f"lg.Size({list(shape)})"
