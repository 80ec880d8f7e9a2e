"""Tensor methods for the statistics that skip missing values: `nansum` and `nanmean` (nan
elements are left out, and get a zero gradient). `var_mean`/`std_mean` are functions only, as in
torch (`functions.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import reductions as R
from .tensor_args import dims, with_out


class StatisticsMethods:
    """nan-skipping reductions (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def _without_nan(self) -> Any:
        """self with nan replaced by 0; the gradient is 0 there (nan where it is not finite)."""
        return D.apply(R.OmitNan, self) if self.dtype.kind in "fc" else self

    @with_out
    def nansum(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
        axis: Any = None,
        keepdims: Any = None,
    ) -> Any:
        """The sum over `dim` (all elements by default) treating nan as 0."""
        dim, keep = dims(dim, axis, keepdim, keepdims)
        x = self if dtype is None else self.to(dtype)
        return x._without_nan().sum(dim, keep)

    @with_out
    def nanmean(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
        axis: Any = None,
        keepdims: Any = None,
    ) -> Any:
        """The mean over `dim` of the elements that are not nan (nan where all of them are)."""
        dim, keep = dims(dim, axis, keepdim, keepdims)
        x = self if dtype is None else self.to(dtype)
        if x.dtype.kind not in "fc":
            raise RuntimeError(
                "nanmean(): expected input to have floating point or complex dtype but got "
                f"{x.dtype}; convert first, e.g. x.float().nanmean()"
            )
        count = x.isnan().logical_not().sum(dim, keep).to(x.dtype)
        return x._without_nan().sum(dim, keep) / count


def var_mean(
    input: Any,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[Any, Any]:
    """(var, mean) over `dim` in one call; `var`'s arguments (correction 1 by default)."""
    if isinstance(dim, bool):  # var_mean(x, False): torch's (input, unbiased) overload
        dim, unbiased = None, dim
    _check_float(input, "var_mean")
    var = input.var(dim, unbiased, keepdim, correction=correction)
    return var, input.mean(dim, keepdim)


def std_mean(
    input: Any,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[Any, Any]:
    """(std, mean) over `dim` in one call; `std`'s arguments (correction 1 by default)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _check_float(input, "std_mean")
    var, mean = var_mean(input, dim, unbiased, keepdim, correction=correction)
    return var.sqrt(), mean


def _check_float(input: Any, name: str) -> None:
    if input.dtype.kind not in "fc":
        raise RuntimeError(
            f"{name} only support floating point and complex dtypes (got {input.dtype}); "
            "convert first, e.g. x.double()"
        )
