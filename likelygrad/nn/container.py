"""Module containers with PyTorch's semantics: Sequential, ModuleList and ModuleDict. Their
items are registered children, named '0', '1', ... in the list-like ones, so state_dict keys
match torch's. (ParameterList and ParameterDict are in `parameter_containers.py`.)"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module, _add_indent


def _reset_children(mod: Module, items: Iterable[tuple[str, Module | None]]) -> None:
    """Replace all children of `mod` by `items`, in order (renumbering keeps torch's names)."""
    items = list(items)
    for k in list(mod._modules):
        mod.__dict__.pop(k, None)
    mod._modules.clear()
    for k, m in items:
        mod._modules[k] = m
        object.__setattr__(mod, k, m)


def _index(n: int, idx: Any) -> int:
    """A list index in [0, n), with torch's IndexError otherwise."""
    i = operator.index(idx)
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of range")
    return i % n


class Sequential(Module):
    """Modules applied in order: Sequential(m0, m1, ...) or Sequential(OrderedDict(name=m)).

    Indexing with an int gives a module, with a slice a Sequential (keeping the names);
    `+` joins two Sequentials; append/extend/insert/pop/del edit it as a list.
    """

    _modules: OrderedDict[str, Module]  # type: ignore[assignment]  # never None here

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(len(self), idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(len(self), idx)]
        setattr(self, key, module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        doomed = keys[idx] if isinstance(idx, slice) else [keys[_index(len(keys), idx)]]
        for k in doomed:
            delattr(self, k)
        _reset_children(self, ((str(i), m) for i, m in enumerate(self._modules.values())))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, but "
                f"{type(other)} is given."
            )
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, but "
                f"{type(other)} is given."
            )
        return self.extend(other)

    def __mul__(self, n: int) -> Sequential:
        """The same modules (not copies) repeated n times, as torch."""
        if not isinstance(n, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(n)}")
        if n <= 0:
            raise ValueError(f"Non-positive multiplication factor {n} for {type(self)}")
        return Sequential(*(list(self) * n))

    __rmul__ = __mul__

    def __imul__(self, n: int) -> Sequential:
        repeated = self * n  # checks n
        return self.extend(list(repeated)[len(self) :])

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert `module` before position `index` (negative counts from the end)."""
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        items = list(self._modules.values())
        items.insert(index + n if index < 0 else index, module)
        _reset_children(self, ((str(i), m) for i, m in enumerate(items)))
        return self

    def pop(self, key: int | slice) -> Any:
        v = self[key]
        del self[key]
        return v


class ModuleList(Module):
    """A list of registered modules (no forward: index or iterate it in your own)."""

    _modules: OrderedDict[str, Module]  # type: ignore[assignment]  # never None here

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(len(self), idx))]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_index(len(self), idx)), module)

    def __delitem__(self, idx: int | slice) -> None:
        if isinstance(idx, slice):
            for k in range(len(self))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, str(_index(len(self), idx)))
        _reset_children(self, ((str(i), m) for i, m in enumerate(self._modules.values())))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, but got "
                + type(modules).__name__
            )
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, module)
        _reset_children(self, ((str(i), m) for i, m in enumerate(items)))

    def pop(self, key: int | slice) -> Any:
        v = self[key]
        del self[key]
        return v

    def __repr__(self) -> str:
        """torch's layout, with runs of identical modules folded: (1-3): 3 x Linear(...)."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [
            _add_indent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}", 2)
            for a, b, r in runs
        ]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of registered modules (keys are their names in state_dict)."""

    _modules: OrderedDict[str, Module]  # type: ignore[assignment]  # never None here

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]  # type: ignore[return-value]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        _reset_children(self, [])

    def pop(self, key: str) -> Module:
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Any:
        return self._modules.keys()

    def items(self) -> Any:
        return self._modules.items()

    def values(self) -> Any:
        return self._modules.values()

    def update(self, modules: Any) -> None:
        """Add (or replace) entries from a mapping or an iterable of (key, module) pairs."""
        for k, m in _pairs(modules, "ModuleDict", sort_plain_dicts=False):
            self[k] = m


def _pairs(entries: Any, cls: str, sort_plain_dicts: bool) -> list[tuple[Any, Any]]:
    """(key, value) pairs from a mapping or an iterable of pairs, with torch's errors."""
    if isinstance(entries, Module) and hasattr(entries, "items"):
        return list(entries.items())  # a ModuleDict or ParameterDict, in its order
    if not isinstance(entries, Iterable):
        raise TypeError(
            f"{cls}.update should be called with an iterable of key/value pairs, but got "
            + type(entries).__name__
        )
    if isinstance(entries, OrderedDict):
        return list(entries.items())
    if isinstance(entries, Mapping):  # torch sorts a plain dict's keys for ParameterDict only
        return sorted(entries.items()) if sort_plain_dicts else list(entries.items())
    out = []
    for j, pair in enumerate(entries):
        if not isinstance(pair, Iterable):
            raise TypeError(
                f"{cls} update sequence element #{j} should be Iterable; is" + type(pair).__name__
            )
        pair = list(pair)
        if len(pair) != 2:
            raise ValueError(
                f"{cls} update sequence element #{j} has length {len(pair)}; 2 is required"
            )
        out.append((pair[0], pair[1]))
    return out
