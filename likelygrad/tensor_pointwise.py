"""Tensor methods that combine a few elementwise operations in torch's one call: the fused
multiply-adds `addcmul` and `addcdiv`, `logit` (the inverse of sigmoid) and `xlogy`.

The multiply-adds are compositions of differentiable methods, so their gradients follow from
theirs; logit and xlogy are ops (`pointwise_ops.py`), as torch defines their gradients at the
edges (0 and 1, x = 0) where a composition would give other values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import pointwise_ops as P


class PointwiseMethods:
    """Fused multiply-adds, logit and xlogy (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """self + value · tensor1 · tensor2 (broadcast together)."""
        return self + _scaled(tensor1 * tensor2, value, self)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """self + value · tensor1 / tensor2 (broadcast together); floats only, as in torch."""
        if all(getattr(t, "dtype", D.dt.float64).kind in "biu" for t in (tensor1, tensor2)):
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported: use "
                "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for the old "
                "behavior, or floating tensors for true division"
            )
        return self + _scaled(tensor1 / tensor2, value, self)

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return self._update(lambda t: t.addcmul(tensor1, tensor2, value=value), "addcmul_")

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return self._update(lambda t: t.addcdiv(tensor1, tensor2, value=value), "addcdiv_")

    def logit(self, eps: float | None = None) -> Any:
        """log(p / (1 - p)), the inverse of sigmoid; with `eps`, p is first clamped to
        [eps, 1 - eps] (and the gradient is 0 outside it). Without it, 0 and 1 give ∓inf."""
        return D.apply(P.Logit, self._float(), eps=eps)

    def logit_(self, eps: float | None = None) -> Any:
        return self._update(lambda t: t.logit(eps), "logit_")

    def xlogy(self, other: Any) -> Any:
        """self · log(other), taken as 0 where self is 0 (unless other is nan), as in
        scipy.special.xlogy; integers give the default float dtype."""
        return D.binary(P.Xlogy, self, other)

    def xlogy_(self, other: Any) -> Any:
        return self._update(lambda t: t.xlogy(other), "xlogy_")


def _scaled(t: Any, value: Any, like: Any) -> Any:
    """value · t, skipping the product for 1; integer results take int(value), as torch does."""
    if isinstance(value, D.Tensor):
        value = value.item()
    if value == 1:
        return t
    if getattr(t, "dtype", like.dtype).kind in "biu" and like.dtype.kind in "biu":
        value = int(value)
    return t * value


def xlogy(input: Any, other: Any, *, out: Any = None) -> Any:
    """torch.xlogy: input · log(other), 0 where input is 0; either may be a number."""
    x = input if isinstance(input, D.Tensor) else D.const(other, input, D.dt.result_type(input))
    result = x.xlogy(other)
    return result if out is None else out.copy_(result)
