"""`Module`, with PyTorch's conventions: registration by assignment, dotted names, traversal,
train/eval and torch's printed layout. Mixed in: walking submodules, parameters and buffers
(`module_traversal.py`), forward hooks (`module_hooks.py`), moving and casting
(`module_convert.py`), state_dict and load_state_dict (`state_dict.py`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from .module_convert import ConversionMixin
from .module_hooks import HooksMixin, RemovableHandle
from .module_traversal import TraversalMixin
from .parameter import Buffer, Parameter, typename
from .state_dict import IncompatibleKeys, StateDictMixin

__all__ = ["Buffer", "IncompatibleKeys", "Module", "Parameter", "RemovableHandle"]


def _add_indent(text: str, spaces: int) -> str:
    """Indent every line but the first (torch's layout for nested modules)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [(" " * spaces + line) if line.strip() else "" for line in rest])


class Module(TraversalMixin, HooksMixin, ConversionMixin, StateDictMixin):
    """Base class for layers and models: assign Parameters and Modules as attributes.

    Subclasses call `super().__init__()` first and define `forward`; calling the module runs it
    (with any forward hooks). Parameters, buffers and submodules live in `_parameters`,
    `_buffers` and `_modules` as in torch, and also in the instance `__dict__`, so reading
    `self.weight` in forward is a plain attribute lookup.
    """

    _parameters: OrderedDict[str, Parameter | None]
    _buffers: OrderedDict[str, Tensor | None]
    _non_persistent: set[str]
    _modules: OrderedDict[str, Module | None]
    _forward_hooks: dict[int, tuple[Callable, bool, bool]]
    _forward_pre_hooks: dict[int, tuple[Callable, bool]]
    training: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments; Module.__init__ "
                "takes none (pass your own arguments to your subclass's __init__ instead)"
            )
        for name, value in (
            ("training", True),
            ("_parameters", OrderedDict()),
            ("_buffers", OrderedDict()),
            ("_non_persistent", set()),
            ("_modules", OrderedDict()),
            ("_forward_hooks", {}),
            ("_forward_pre_hooks", {}),
        ):
            object.__setattr__(self, name, value)

    # ---- registration ----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params, mods, bufs = d.get("_parameters"), d.get("_modules"), d.get("_buffers")
        if isinstance(value, Parameter | Module) and params is None:
            kind = "parameters" if isinstance(value, Parameter) else "module"
            raise AttributeError(
                f"cannot assign {kind} before Module.__init__() call: call super().__init__() "
                "first in your module's __init__"
            )
        if params is not None and mods is not None and bufs is not None:
            if isinstance(value, Parameter):
                if "." in name or name == "":
                    raise KeyError(f'parameter name can\'t contain "." or be empty, got {name!r}')
                self._forget(name, keep=params)
                params[name] = value
            elif name in params:
                if value is not None:
                    raise TypeError(
                        f"cannot assign '{typename(value)}' as parameter '{name}' "
                        "(torch.nn.Parameter or None expected)"
                    )
                params[name] = None
            elif isinstance(value, Module):
                self._forget(name, keep=mods)
                mods[name] = value
            elif name in mods:
                if value is not None:
                    raise TypeError(
                        f"cannot assign '{typename(value)}' as child module '{name}' "
                        "(torch.nn.Module or None expected)"
                    )
                mods[name] = None
            elif isinstance(value, Buffer) or name in bufs:
                if value is not None and not isinstance(value, Tensor):
                    raise TypeError(
                        f"cannot assign '{typename(value)}' as buffer '{name}' "
                        "(torch.nn.Buffer, torch.Tensor or None expected)"
                    )
                persistent = value.persistent if isinstance(value, Buffer) else None
                self._forget(name, keep=bufs)
                bufs[name] = value
                if persistent is not None:
                    (self._non_persistent.discard if persistent else self._non_persistent.add)(name)
        object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Unregister `name` from every registry but `keep` (where it is about to be set, in
        its old place: reassigning keeps the order, as in torch)."""
        for registry in (self._parameters, self._modules, self._buffers):
            if registry is not keep:
                registry.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent.discard(name)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _check_name(self, name: Any, kind: str, registry: dict) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {typename(name)}")
        if "." in name:
            got = f", got: {name}" if kind == "module" else ""  # torch's exact messages
            raise KeyError(f'{kind} name can\'t contain "."{got}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state but not a parameter (BatchNorm's running mean): saved in
        state_dict (unless persistent=False), moved by .to(), never given to optimizers."""
        self._check_name(name, "buffer", self.__dict__.get("_buffers", {}))
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                "(torch Tensor or None required)"
            )
        self._buffers[name] = tensor
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter under `name` (None registers an absent one, as torch's bias=False)."""
        self._check_name(name, "parameter", self.__dict__.get("_parameters", {}))
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{typename(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        if param is not None and not param.is_leaf:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under `name` (as attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{typename(module)} is not a Module subclass")
        self._check_name(name, "module", self.__dict__.get("_modules", {}))
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path ('' is self); AttributeError naming the missing step."""
        mod = self
        for item in target.split(".") if target else []:
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path, e.g. '0.weight'."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path, e.g. 'bn.running_mean'."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(mod, name)

    # ---- calling ---------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks or self._forward_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    # ---- modes and gradients --------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active) for this module and its children; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
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
                p.grad.detach_().zero_()

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient recording of every parameter on or off; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # ---- printing -------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The settings shown inside this module's parentheses; override in layers."""
        return ""

    def _repr_html_(self) -> str:
        """The layers and their parameter counts as an HTML table (Jupyter)."""
        from ..viz.notebook import module_html

        return module_html(self)

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): " + _add_indent(repr(m), 2) for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        head = self._get_name() + "("
        if len(extra_lines) == 1 and not child_lines:
            return head + extra_lines[0] + ")"
        if lines:
            return head + "\n  " + "\n  ".join(lines) + "\n)"
        return head + ")"
