"""Sampling from given parameters: `normal` (tensors of means and standard deviations, or
numbers with a size), `bernoulli` (a tensor of probabilities) and `multinomial` (rows of
weights), drawn from a device's global generator or the `generator=` given (`random.py`), so
`lg.manual_seed` makes them reproducible. The values are not torch's (another stream).

As in torch, a sample is not differentiable in its parameters: the result requires grad when a
parameter does, and the gradient it passes back is 0 (`_zero_gradient`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dispatch as D
from . import dtypes as dt
from .broadcasting import broadcast_shapes
from .creation import _shape, into
from .random import draw, numpy_rng
from .tensor import Tensor
from .tensor_shape import sizes as sizes_of


def _zero_gradient(sample: Tensor, *params: Any) -> Tensor:
    """`sample`, connected to the parameters that require grad with a zero gradient."""
    for p in params:
        if isinstance(p, Tensor) and p.requires_grad:
            # p · 0 is 0 with gradient 0; nan_to_num keeps it 0 where p is inf or nan
            sample = sample + (p * 0).nan_to_num(0.0, 0.0, 0.0)
    return sample


def _uniform_like(t: Tensor, shape: tuple, generator: Any, kind: str = "random") -> Any:
    """An array of `kind` samples of `shape` in t's float dtype (float64 for others), on t's
    device."""
    d = t.dtype if t.dtype in (dt.float32, dt.float64) else dt.float64
    return draw(kind, tuple(shape), d, t.device, generator)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    out: Any = None,
) -> Tensor:
    """Samples from N(mean, std²): elementwise for tensor `mean`/`std` (broadcast together),
    or `size` samples for numbers. std must be >= 0."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(): with a number mean and std, give size=, e.g. (2, 3)")
        from .random_tensors import randn

        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        z = randn(sizes_of(_shape((), size)), generator=generator, dtype=dtype, device=device)
        return into(out, (z * std + mean).requires_grad_(requires_grad))
    like = tensors[0]
    if like.dtype.kind != "f":
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for {like.dtype}')
    if isinstance(std, Tensor) and bool((std < 0).any()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not isinstance(std, Tensor) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = broadcast_shapes(*(t.shape for t in tensors))
    z = D.make(_uniform_like(like, shape, generator, "standard_normal"), None).to(like.dtype)
    sample = z * std.detach() if isinstance(std, Tensor) else z * std
    sample = sample + (mean.detach() if isinstance(mean, Tensor) else mean)
    return into(out, _zero_gradient(sample, mean, std))


def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None, out: Any = None) -> Tensor:
    """1 with probability `input` (elementwise; or `p` for every element), else 0, in input's
    float dtype. Probabilities must lie in [0, 1]."""
    if input.dtype.kind != "f":
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for {input.dtype}')
    prob = input.detach() if p is None else p
    lo, hi = (prob.amin().item(), prob.amax().item()) if isinstance(prob, Tensor) else (p, p)
    if input.numel() and not (0 <= lo and hi <= 1):
        raise RuntimeError(f"bernoulli: expected probabilities in [0, 1], got {lo}..{hi}")
    u = D.make(_uniform_like(input, input.shape, generator), None)
    sample = (u < (prob.to(u.dtype) if isinstance(prob, Tensor) else prob)).to(input.dtype)
    return into(out, _zero_gradient(sample, input) if p is None else sample)


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Any = None,
    out: Any = None,
) -> Tensor:
    """Indices drawn from the categories of each row of `input` (1-D or 2-D non-negative
    weights, not necessarily normalized), int64; without replacement each index at most once."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {input.dtype}"
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    w = input.detach().double().numpy(force=True).reshape(-1, input.shape[-1])
    k = w.shape[1]
    if not replacement and num_samples > k:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    if not (w >= 0).all() or not (w < float("inf")).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (w.sum(1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = numpy_rng(generator)
    if replacement:  # inverse CDF: the first category whose running sum passes u · total
        cdf = w.cumsum(1)
        u = rng.random((w.shape[0], num_samples)) * cdf[:, -1:]
        index = (u[:, :, None] >= cdf[:, None, :]).sum(2).clip(max=k - 1)
    else:  # the num_samples smallest of E_i / w_i (E_i exponential): sampling without
        # replacement in proportion to w (zero weights come last, as in torch)
        with np.errstate(divide="ignore"):
            keys = rng.exponential(size=w.shape) / w
        index = keys.argsort(1, kind="stable")[:, :num_samples]
    index = index.reshape(*input.shape[:-1], num_samples)
    return into(out, D.const(input, index, dt.int64))
