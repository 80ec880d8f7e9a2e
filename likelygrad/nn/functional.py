"""`nn.functional` (F): PyTorch's functions with its names, defaults and semantics.

Activations and helpers live here; the losses (each a negative log-likelihood) in
`functional_loss.py` and `functional_regression.py`, padding in `functional_pad.py`. All are
importable from here, as `torch.nn.functional.*` are.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import activations as A
from .. import dispatch as D
from .. import inplace as IP
from .. import ops
from ..dtypes import int64
from ..functions import where
from ..random import draw
from ..tensor import Tensor
from .functional_loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from .functional_pad import pad
from .functional_regression import (
    gaussian_nll,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "cross_entropy",
    "dropout", "elu", "gaussian_nll", "gaussian_nll_loss", "gelu", "hardtanh", "huber_loss",
    "kl_div", "l1_loss", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "logsigmoid",
    "mish", "mse_loss", "nll_loss", "normalize", "one_hot", "pad", "relu", "relu6", "selu",
    "sigmoid", "silu", "smooth_l1_loss", "softmax", "softmin", "softplus", "tanh", "threshold",
]  # fmt: skip


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weightᵀ + bias, with weight shaped (out_features, in_features) as in PyTorch."""
    if input.array.dtype != weight.array.dtype:
        raise RuntimeError(
            f"linear: input is {input.dtype} but weight is {weight.dtype} (mat1 and mat2 must "
            f"have the same dtype); convert one, e.g. x.to({weight.dtype.name}) or model.to(...)"
        )
    if bias is None:
        return D.apply(ops.Linear, input, weight)
    return D.apply(ops.Linear, input, weight, bias)


def _act(input: Tensor, op: Any, inplace: bool, **options: Any) -> Tensor:
    """op(input), or written into input's own memory when inplace (as torch's `op_`)."""
    if inplace:
        return IP.inplace(input, op, what=f"{op.name}_", **options)
    return D.apply(op, input._float(), **options)


# ---- activations ------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); derivative 0 at 0."""
    return input.relu_() if inplace else input.relu()


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), torch's hardtanh(x, 0, 6) (derivative 0 at 0 and at 6)."""
    return _act(input, A.Hardtanh, inplace, min_val=0.0, max_val=6.0)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """x clipped to [min_val, max_val]; derivative 1 strictly inside, 0 at the bounds."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _act(input, A.Hardtanh, inplace, min_val=min_val, max_val=max_val)


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1/(1 + e^-x)."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def logsigmoid(input: Tensor) -> Tensor:
    """log σ(x) = -softplus(-x), computed stably: a Bernoulli's log-probability of a 1."""
    return input.log_sigmoid()


log_sigmoid = logsigmoid


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^{βx})/β, and x itself where βx > threshold (as torch)."""
    return D.apply(A.SoftplusBeta, input._float(), beta=beta, threshold=threshold)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Φ(x), Φ the standard normal CDF (exact, via erf), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return D.apply(A.Gelu, input._float(), approximate=approximate)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope·x."""
    return _act(input, A.LeakyRelu, inplace, negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else α(e^x - 1)."""
    return _act(input, A.Elu, inplace, alpha=alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale·elu(x, α) with Klambauer et al.'s constants (self-normalizing networks)."""
    return _act(input, A.Elu, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else α(e^{x/α} - 1)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _act(input, A.Elu, inplace, alpha=alpha, input_scale=1.0 / alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x σ(x) (also called swish)."""
    return _act(input, A.Silu, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x))."""
    return _act(input, A.Mish, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else `value`."""
    out = where(input > threshold, input, value)
    return input.copy_(out) if inplace else out


def _softmax_dim(name: str, dim: int | None, ndim: int) -> int:
    if dim is not None:
        return dim
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1  # torch's rule for a missing dim


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """e^x / Σ e^x along `dim` (computed in `dtype` when given)."""
    return input.softmax(_softmax_dim("softmax", dim, input.ndim), dtype=dtype)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """x - logsumexp(x) along `dim`: a Categorical's log-probabilities."""
    return input.log_softmax(_softmax_dim("log_softmax", dim, input.ndim), dtype=dtype)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """softmax(-x) along `dim`."""
    return (-input).softmax(_softmax_dim("softmin", dim, input.ndim), dtype=dtype)


# ---- dropout ----------------------------------------------------------------------------------
def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Zero each element with probability `p` (the drop probability) and scale the rest by
    1/(1-p), so the expected value is unchanged; the identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        keep: Any = D.backend_of(input.array).zeros_like(input.array)
    else:
        xp = D.backend_of(input.array)
        u = draw("random", input.shape, "float32", input.device, generator)
        keep = xp.astype(u >= p, input.array.dtype) * (1.0 / (1.0 - p))
    mask = D.make(keep, None)
    return input.mul_(mask) if inplace else input * mask


# ---- helpers ----------------------------------------------------------------------------------
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(*, num_classes) int64 indicators of integer class indices (num_classes=-1: max + 1)."""
    if not isinstance(tensor, Tensor) or tensor.dtype.kind not in "iu":
        raise RuntimeError(
            "one_hot is only applicable to index tensor of type LongTensor (give an integer "
            "tensor, e.g. lg.tensor(labels).long())."
        )
    xp = D.backend_of(tensor.array)
    a = tensor.array
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(xp.max(a)) + 1
    if tensor.numel() and bool(xp.any(a < 0)):
        raise RuntimeError("Class values must be non-negative.")
    if tensor.numel() and int(xp.max(a)) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    classes = xp.arange(num_classes, device=getattr(a, "device", None))
    hot = xp.expand_dims(a, axis=-1) == xp.astype(classes, a.dtype)
    return D.make(xp.astype(hot, xp.native_dtype(int64)), None)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None
) -> Tensor:
    """input / max(‖input‖_p, eps) along `dim` (unit vectors; zero vectors stay zero)."""
    if p <= 0:
        raise NotImplementedError(f"normalize: p must be positive (got {p})")
    a = input.abs()
    if p == float("inf"):
        norm = a.amax(dim, keepdim=True)
    else:
        s = (a if p == 1 else a**p).sum(dim, keepdim=True)
        positive = s > 0  # the root's slope is infinite at 0: route 0 around it
        root = where(positive, s, 1.0) ** (1.0 / p) if p != 1 else s
        norm = where(positive, root, 0.0) if p != 1 else root
    result = input / norm.clamp_min(eps)
    if out is not None:
        return out.copy_(result)
    return result


from .functional_activation import hardsigmoid, hardswish, prelu  # noqa: E402
from .functional_conv import *  # noqa: E402, F403 (convolution, pooling, normalization)
from .functional_convt import *  # noqa: E402, F403 (transposed convolution, max-unpooling)
from .functional_distance import cosine_similarity, pairwise_distance  # noqa: E402

__all__ += ["cosine_similarity", "hardsigmoid", "hardswish", "pairwise_distance", "prelu"]
