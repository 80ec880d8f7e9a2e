"""`Module` and `Parameter`, with PyTorch's conventions: dotted names, state_dict, train/eval."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..autograd import no_grad
from ..dtypes import float16, float32, float64, get_default_dtype
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that a Module registers as a learnable parameter (requires_grad by default).

    `Parameter(t)` shares t's memory, as in torch; other data (arrays, lists) is copied.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr: Any = np.zeros(0, dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data.array
        else:
            arr = np.array(data, dtype=np.result_type(np.asarray(data), get_default_dtype()))
        self.array, self._grad, self._node, self._version, self._base, self._name = (
            arr, None, None, [0], None, None,
        )  # fmt: skip
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class for layers and models: assign Parameters and Modules as attributes.

    Subclasses call `super().__init__()` first and define `forward`; calling the module runs it.
    """

    _parameters: OrderedDict[str, Parameter]
    _buffers: OrderedDict[str, Tensor | None]
    _non_persistent: set[str]
    _modules: OrderedDict[str, Module]
    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() runs: call super().__init__() "
                "first in your module's __init__"
            )
        params, mods = self.__dict__["_parameters"], self.__dict__["_modules"]
        buffers = self.__dict__["_buffers"]
        if (
            name in buffers
            and (value is None or isinstance(value, Tensor))
            and not isinstance(value, Parameter)
        ):
            buffers[name] = value  # a registered buffer stays a buffer, as in torch
            object.__setattr__(self, name, value)
            return
        params.pop(name, None)
        mods.pop(name, None)
        buffers.pop(name, None)
        if isinstance(value, Parameter):
            params[name] = value
        elif isinstance(value, Module):
            mods[name] = value
        # Registered or not, the attribute lives in __dict__ too, so reading it is a plain
        # attribute lookup (this is on every forward pass).
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent.discard(name)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state but not a parameter (BatchNorm's running mean): saved in
        state_dict (unless persistent=False), moved by .to(), never given to optimizers."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f'buffer name can\'t contain "." or be empty, got {name!r}')
        if name in self.__dict__ and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(torch Tensor or None required)"
            )
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter under `name` (None registers an absent one, as torch's bias=False)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        setattr(self, name, param)
        if param is None:
            self._parameters[name] = None  # type: ignore[assignment]

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under `name` (as attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str) or "." in name or name == "":
            raise KeyError(f'module name can\'t contain "." or be empty, got {name!r}')
        setattr(self, name, module)
        if module is None:
            self._modules[name] = None  # type: ignore[assignment]

    register_module = add_module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- traversal ------------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, each once, with dotted names ('' for self)."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if id(mod) in seen:
                continue
            seen.add(id(mod))
            yield name, mod
            children = [(f"{name}.{k}" if name else k, m) for k, m in mod._modules.items()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        yield from self._modules.values()

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two modules is listed once."""
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, mod in mods:
            for k, p in mod._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mod_name}.{k}" if mod_name else k), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, each buffer once."""
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, mod in mods:
            for k, b in mod._buffers.items():
                if b is not None and id(b) not in seen:
                    seen.add(id(b))
                    yield (f"{mod_name}.{k}" if mod_name else k), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ---- modes and gradients --------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active); returns self."""
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off); returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (the default), or to zeros in place."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.zero_()

    # ---- moving and converting ---------------------------------------------------------------
    def _apply_to_tensors(self, fn: Any) -> Module:
        """Replace every parameter's (and gradient's) array by fn(tensor), keeping the Parameter
        objects, so optimizers built before and after see the same parameters."""
        with no_grad():
            for p in self.parameters():
                p.array = fn(p).array
                if p.grad is not None:
                    p._grad = fn(p.grad).detach()
            for m in self.modules():
                for b in m._buffers.values():
                    if b is not None:
                        b.array = fn(b).array
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move parameters to a device and/or cast floating ones to a dtype (in place)."""

        def move(t: Tensor) -> Tensor:
            out = t.to(*args, **kwargs)
            if not t.is_floating_point() and out.dtype != t.dtype:  # dtypes only cast floats
                out = out.to(t.dtype)
            return out

        return self._apply_to_tensors(move)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Module:
        return self.to("cuda" if device is None else device)

    def float(self) -> Module:
        return self.to(float32)

    def double(self) -> Module:
        return self.to(float64)

    def half(self) -> Module:
        return self.to(float16)

    def apply(self, fn: Any) -> Module:
        """Call fn(module) on every submodule (children first) and on self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # ---- state ----------------------------------------------------------------------------
    def state_dict(
        self, *, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Name -> tensor, sharing memory with the parameters (as torch: copy it, e.g. with
        copy.deepcopy, to keep a snapshot while training goes on)."""
        out = OrderedDict() if destination is None else destination
        for name, mod in self.named_modules():  # each module's parameters, then its buffers
            head = f"{prefix}{name}." if name else prefix
            for k, p in mod._parameters.items():
                if p is not None:
                    out[head + k] = p if keep_vars else p.detach()
            for k, b in mod._buffers.items():
                if b is not None and k not in mod._non_persistent:
                    out[head + k] = b if keep_vars else b.detach()
        return out

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values into the parameters, all or nothing: every problem is reported at once.

        As in torch: with `strict`, the keys must be exactly the model's (else only the shared
        ones load and the rest are returned); a wrong shape is an error either way; a value of
        another float width, or of integers or bools, is cast to the parameter's dtype as
        `Tensor.copy_` does. Unlike torch, a value may be anything `np.asarray` accepts, and
        complex values are refused rather than losing their imaginary part. Every entry is
        checked before any parameter is written.
        """
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
            try:
                value = np.asarray(state_dict[k])
            except (TypeError, ValueError) as e:  # e.g. a ragged nested list
                wrong_type.append(f"{k}: not an array ({e})")
                continue
            if value.dtype.kind not in "biuf" or value.dtype.fields is not None:
                wrong_type.append(f"{k}: {value.dtype} (need float, integer or bool numbers)")
            elif value.shape != target.shape:
                wrong_shape.append(f"{k}: checkpoint {value.shape} vs model {target.shape}")
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
            raise ValueError(f"load_state_dict for {type(self).__name__}: {'. '.join(problems)}.")
        with no_grad():  # into each parameter's own memory, on its own device
            for target, value in ready.values():
                target.copy_(value)
        return IncompatibleKeys(missing, unexpected)

    # ---- printing -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({k}): " + repr(m).replace("\n", "\n  ") for k, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"
