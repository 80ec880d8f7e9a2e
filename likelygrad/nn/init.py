"""Initializers (PyTorch names and formulas). Each fills a tensor in place and returns it.

Every function takes `generator=` (an `lg.Generator` or a NumPy one); without it the global one
is used, which `lg.manual_seed` resets, so runs are reproducible. The values are drawn on the
host and copied to the tensor's device, so a seed gives the same weights everywhere.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..autograd import no_grad
from ..backend import NUMPY
from ..random import numpy_rng
from ..special import erfc_array
from ..tensor import Tensor


def _fans(t: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped (out, in, *receptive) as in PyTorch."""
    if t.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(t.shape)})"
        )
    receptive = int(np.prod(t.shape[2:])) if t.ndim > 2 else 1
    return t.shape[1] * receptive, t.shape[0] * receptive


_calculate_fan_in_and_fan_out = _fans  # torch's private name, which some code calls
_LINEAR = {"linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d"}
_LINEAR |= {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance steady through a nonlinearity."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is not None and (isinstance(param, bool) or not isinstance(param, int | float)):
            raise ValueError(f"negative_slope {param} not a valid number")
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4  # torch's choice (Klambauer et al. use linear's gain; this keeps variance)
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fill(t: Tensor, values: np.ndarray | float) -> Tensor:
    with no_grad():  # initializing is not part of any graph, as in torch
        t.copy_(values)
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """U(a, b)."""
    return _fill(t, numpy_rng(generator).uniform(a, b, t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """N(mean, std²)."""
    return _fill(t, numpy_rng(generator).normal(mean, std, t.shape))


def zeros_(t: Tensor) -> Tensor:
    """Every element set to 0."""
    return _fill(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    """Every element set to 1."""
    return _fill(t, 1.0)


def constant_(t: Tensor, val: float) -> Tensor:
    """Every element set to `val`."""
    return _fill(t, val)


def eye_(t: Tensor) -> Tensor:
    """The identity matrix (ones on the diagonal of a 2-D tensor, which may be non-square)."""
    if t.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(t, np.eye(*t.shape))


def dirac_(t: Tensor, groups: int = 1) -> Tensor:
    """A convolution kernel that passes its input through: per group, output channel d reads
    input channel d at the kernel's centre (3-, 4- and 5-D weights)."""
    if t.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if t.shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = t.shape[0] // groups
    values = np.zeros(t.shape)
    centre = tuple(n // 2 for n in t.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, t.shape[1])):
            values[(g * per_group + d, d, *centre)] = 1
    return _fill(t, values)


def trunc_normal_(
    t: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
    generator=None,
) -> Tensor:  # fmt: skip
    """N(mean, std²) conditioned on [a, b] (exactly: redrawn outside, or by inverse CDF when
    the interval is improbable), so every value lies in [a, b]."""
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution "
            "of values may be incorrect.",
            stacklevel=2,
        )
    lo, hi = (a - mean) / std, (b - mean) / std
    z = truncated_standard_normal(numpy_rng(generator), lo, hi, t.numel())
    return _fill(t, np.clip(mean + std * z, a, b).reshape(t.shape))


def truncated_standard_normal(rng, lo: float, hi: float, n: int) -> np.ndarray:
    """n draws of N(0, 1) conditioned on [lo, hi]."""
    phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731 (the normal CDF)
    if phi(hi) - phi(lo) > 0.05:  # rejection: redraw what falls outside
        out = np.empty(0)
        while out.size < n:
            z = rng.standard_normal(2 * (n - out.size) + 16)
            out = np.concatenate([out, z[(z >= lo) & (z <= hi)]])
        return out[:n]
    if lo > 0:  # an improbable interval: work in the lower tail, where Φ keeps its precision
        return -truncated_standard_normal(rng, -hi, -lo, n)
    u = rng.uniform(phi(lo), phi(hi), n)  # inverse CDF, by bisection on Φ(x) = u
    left, right = np.full(n, lo), np.full(n, hi)
    for _ in range(64):
        mid = 0.5 * (left + right)
        below = 0.5 * erfc_array(NUMPY, -mid / math.sqrt(2)) < u
        left, right = np.where(below, mid, left), np.where(below, right, mid)
    return 0.5 * (left + right)


def orthogonal_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix (Saxe et al. 2013): Q of the QR decomposition of a Gaussian
    matrix, signs fixed so it is uniformly distributed; trailing dims are flattened."""
    if t.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if t.numel() == 0:
        return t
    rows, cols = t.shape[0], t.numel() // t.shape[0]
    m = numpy_rng(generator).standard_normal((rows, cols))
    if rows < cols:
        m = m.T
    q, r = np.linalg.qr(m)
    q = q * np.sign(np.diag(r))  # makes the decomposition unique, Q Haar-distributed
    if rows < cols:
        q = q.T
    return _fill(t, (gain * q).reshape(t.shape))


def sparse_(t: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """N(0, std²) with a fraction `sparsity` of each column set to zero (2-D tensors)."""
    if t.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rng = numpy_rng(generator)
    rows, cols = t.shape
    values = rng.normal(0.0, std, (rows, cols))
    zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        values[rng.permutation(rows)[:zeros], c] = 0
    return _fill(t, values)


def xavier_uniform_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot & Bengio (2010): U(-a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a, generator)


def xavier_normal_(t: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot & Bengio (2010): N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(t: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = _fans(t)[0 if mode == "fan_in" else 1]
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    t: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
) -> Tensor:
    """He et al. (2015): U(-b, b) with b = gain·√(3 / fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity)
    return uniform_(t, -bound, bound, generator)


def kaiming_normal_(
    t: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
) -> Tensor:
    """He et al. (2015): N(0, σ²) with σ = gain / √fan."""
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity), generator)
