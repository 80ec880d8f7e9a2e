"""The Tensor's autograd interface: backward, detaching, requires_grad_ and gradient hooks.

A tensor that requires grad holds a graph node (`_node`): its accumulator if it is a leaf, the
node of the op that made it otherwise. Hooks live on that node, so the engine runs them on the
incoming gradient without knowing Tensors.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from . import dispatch as D
from .autograd.engine import run_backward
from .autograd.node import RemovableHandle
from .dispatch import leaf_node
from .dispatch import make as _make

if TYPE_CHECKING:
    from .tensor import Tensor

_ndarray = np.ndarray


class AutogradMethods:
    """backward(), detach(), requires_grad_(), retain_grad() and hooks (mixed into Tensor)."""

    __slots__ = ()
    array: Any
    _node: Any
    _grad: Any
    _version: list[int]

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Backpropagate: add d(self)/d(leaf) (times `gradient`) into every leaf's `.grad`."""
        a = self.array
        if gradient is None and inputs is None and not create_graph and type(a) is _ndarray:
            if a.size == 1 and self._node is not None:  # the common case: loss.backward()
                run_backward([self._node], [np.ones(a.shape, a.dtype)], bool(retain_graph))
                return
        from .autograd.api import backward

        backward(
            [self], None if gradient is None else [gradient], retain_graph, create_graph, inputs
        )

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and the version counter)."""
        return _make(self.array, None, self._version)

    def detach_(self) -> Self:
        """Cut this tensor from the graph in place; it becomes a leaf."""
        self._node = None
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Make this leaf record operations (or stop); returns self."""
        if not self.is_leaf:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, and this one is "
                f"{self.dtype}: convert it first, e.g. .float()"
            )
        if requires_grad and self._node is None:
            self._node = leaf_node(self)
        elif not requires_grad:
            self._node = None
        return self

    def retain_grad(self) -> Self:
        """Keep this intermediate's gradient in `.grad` during backward (leaves always do)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        node = self._node
        if self.is_leaf or (node.meta or {}).get("retain") is not None:
            return self
        ref = node.out = weakref.ref(self)

        def keep(g: Any) -> None:
            t = ref()
            if t is not None:
                t._grad = (
                    _make(node.xp.asarray(g, copy=True), None)
                    if t._grad is None
                    else _make(node.xp.asarray(t._grad.array + g), None)  # 0-d: an array
                )

        node.meta = {**(node.meta or {}), "retain": keep}
        node.hooks = (node.hooks or []) + [keep]
        return self

    @property
    def retains_grad(self) -> bool:
        return (
            not self.is_leaf
            and self._node is not None
            and (self._node.meta or {}).get("retain") is not None
        )

    def register_hook(self, hook: Any) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces
        the gradient (for a leaf, what is accumulated). Returns a handle with `.remove()`."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self._node
        if node.hooks is None:
            node.hooks = []

        def run(g: Any) -> Any:
            out = hook(_make(g, None))
            return None if out is None else (out.array if isinstance(out, D.Tensor) else out)

        retain = (node.meta or {}).get("retain")
        at = len(node.hooks) - (1 if retain is not None and retain in node.hooks else 0)
        node.hooks.insert(at, run)  # before retain_grad's, so .grad shows the changed value
        return RemovableHandle(node.hooks, run)

    def register_post_accumulate_grad_hook(self, hook: Any) -> RemovableHandle:
        """Call `hook(tensor)` after backward has added into this leaf's `.grad` (once per
        backward, in reverse topological order: data-parallel training starts reducing here)."""
        if not self.is_leaf:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        meta = self._node.meta = self._node.meta or {}
        hooks = meta.setdefault("post", [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)
