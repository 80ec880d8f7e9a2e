"""A graph `Node`: one recorded application of an op, what its VJP needs, and its hooks.

The graph is made of nodes only: a Tensor points at the node that made it, never the other
way round (`out` is a weak reference), so the engine runs without knowing Tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Node:
    """One recorded op application; `op.backward(node, g)` returns the VJPs for its inputs.

    `next[i]` is the node of input i (None for constants); `needs[i]` says whether input i
    requires a gradient, so an op computes only those. `inputs` are the input arrays (their
    shapes and dtypes, and constants for drawing the graph); `out` a weak reference to the output
    tensor; `versions` the version counters of the tensors the op saved; `hooks` functions run on
    the node's incoming gradient; `meta` rare extras (anomaly mode's creation stack, post hooks).
    """

    op: Any
    next: tuple | None
    needs: tuple
    saved: Any
    grad: Any
    inputs: Any
    xp: Any
    # Set on few nodes, so they live in the instance dict, defaulting to these class values:
    # a node is made for every op application, and each slot to fill costs time.
    out: Any = None
    versions: Any = None
    hooks: list | None = None
    meta: dict[str, Any] | None = None

    __slots__ = ("op", "next", "needs", "saved", "grad", "inputs", "xp", "__dict__", "__weakref__")

    def __init__(self, op: Any, next: tuple, needs: tuple, inputs: Any, xp: Any) -> None:
        self.op, self.next, self.needs, self.inputs, self.xp = op, next, needs, inputs, xp
        self.saved = self.grad = None

    # PyTorch's grad_fn interface: name() and next_functions, enough to walk the graph.
    def name(self) -> str:
        """The backward function's name, e.g. 'MulBackward'."""
        return getattr(self.op, "grad_name", f"{type(self.op).__name__}Backward")

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """(node, 0) per input, as torch's grad_fn.next_functions (None for constants)."""
        return tuple((n, 0) for n in self.next or ())

    @property
    def variable(self) -> Any:
        """For an accumulator node: the leaf tensor it accumulates into."""
        return self.out() if self.out is not None else None

    def register_hook(self, fn: Callable[[Any], Any]) -> RemovableHandle:
        """Run `fn(grad)` on the gradient arriving at this node; a returned value replaces it."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)
        return RemovableHandle(self.hooks, fn)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


class RemovableHandle:
    """Returned by hook registrations; `remove()` unregisters the hook."""

    def __init__(self, hooks: list, fn: Any) -> None:
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
