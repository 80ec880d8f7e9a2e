"""A Module's state: `state_dict` (names -> tensors, in torch's order) and an all-or-nothing
`load_state_dict`. Mixed into `Module`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..autograd import no_grad
from ..errors import StateDictError
from ..tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """What load_state_dict found missing or unexpected; prints as torch's does when neither."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"IncompatibleKeys(missing_keys={self.missing_keys}, "
            f"unexpected_keys={self.unexpected_keys})"
        )

    def __str__(self) -> str:
        return repr(self)


class StateDictMixin:
    """`state_dict` and `load_state_dict` for Module."""

    __slots__ = ()

    if TYPE_CHECKING:  # Module's attributes, for the type checker

        def named_modules(
            self, memo: Any = None, prefix: str = "", remove_duplicate: bool = True
        ) -> Iterator[tuple[str, Any]]: ...

    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Name -> tensor, sharing memory with the parameters (as torch: copy it, e.g. with
        copy.deepcopy, to keep a snapshot while training goes on).

        As in torch, a module reached twice (shared) is listed under each of its names, and each
        module's parameters come before its buffers and its children's entries.
        """
        if args:  # torch's old positional form: state_dict(destination, prefix, keep_vars)
            destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars])[:3]
        out = OrderedDict() if destination is None else destination
        for name, mod in self.named_modules(remove_duplicate=False):
            head = f"{prefix}{name}." if name else prefix
            for k, p in mod._parameters.items():
                if p is not None:
                    out[head + k] = p if keep_vars else p.detach()
            for k, b in mod._buffers.items():
                if b is not None and k not in mod._non_persistent:
                    out[head + k] = b if keep_vars else b.detach()
        return out

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy values into the parameters, all or nothing: every problem is reported at once.

        As in torch: with `strict`, the keys must be exactly the model's (else only the shared
        ones load and the rest are returned); a wrong shape is an error either way; a value of
        another float width, or of integers or bools, is cast to the parameter's dtype as
        `Tensor.copy_` does; a tensor may live on any device. Unlike torch, a value may be
        anything `np.asarray` accepts, and complex values are refused rather than losing their
        imaginary part. Every entry is checked before any parameter is written. `assign=True` is
        not supported (values are always copied into the existing parameters).
        """
        if assign:
            raise NotImplementedError(
                "load_state_dict(assign=True) is not supported: values are copied into the "
                "existing parameters (the default, assign=False)"
            )
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"Expected state_dict to be dict-like, got {type(state_dict).__name__}."
            )
        own = dict(self.state_dict(keep_vars=True))  # parameters and persistent buffers
        missing = [k for k in own if k not in state_dict]
        unexpected = [str(k) for k in state_dict if k not in own]
        wrong_shape, wrong_type, ready = [], [], {}
        for k, p in own.items():
            if k not in state_dict:
                continue
            target = p  # its shape and dtype, on whatever device it lives
            try:  # a tensor on any device (torch.load keeps the device it was saved from)
                v = state_dict[k]
                value = v.detach().cpu().numpy() if isinstance(v, Tensor) else np.asarray(v)
            except (TypeError, ValueError) as e:  # e.g. a ragged nested list
                wrong_type.append(f"{k}: not an array ({e})")
                continue
            if value.dtype.kind not in "biuf" or value.dtype.fields is not None:
                wrong_type.append(f"{k}: {value.dtype} (need float, integer or bool numbers)")
            elif value.shape != target.shape:
                wrong_shape.append(
                    f"{k}: checkpoint {tuple(value.shape)} vs model {tuple(target.shape)}"
                )
            else:  # cast now, so that writing below cannot fail half-way
                with np.errstate(all="ignore"):
                    ready[k] = (target, value.astype(target.dtype, copy=False))
        problems = []
        if wrong_shape:
            problems.append("shape mismatch for " + "; ".join(wrong_shape))
        if wrong_type:
            problems.append("values that are not real numbers for " + "; ".join(wrong_type))
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if problems:
            problems.append("Nothing was loaded")
            if wrong_shape or (strict and (missing or unexpected)):
                hint = "The state dict was saved from a different architecture: build the model "
                hint += "with the same layer sizes"
                if not wrong_shape and not wrong_type:
                    hint += ", or pass strict=False to load only the keys both have"
                problems.append(hint)
            raise StateDictError(
                f"load_state_dict for {type(self).__name__}: {'. '.join(problems)}."
            )
        with no_grad():  # into each parameter's own memory, on its own device
            for target, value in ready.values():
                target.copy_(value)
        return IncompatibleKeys(missing, unexpected)
