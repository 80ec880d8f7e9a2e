"""Custom differentiable operations written on tensors: PyTorch's `torch.autograd.Function`.

    class Cube(lg.autograd.Function):
        @staticmethod
        def forward(ctx, x):            # runs without recording a graph
            ctx.save_for_backward(x)
            return x ** 3
        @staticmethod
        def backward(ctx, grad):        # dL/dx = dL/dy · 3x²
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2
    y = Cube.apply(x)

The class becomes one node of the graph: its `backward` is the node's vector-Jacobian product.
Outputs other than one differentiable tensor must be marked with `mark_non_differentiable`.
"""

from __future__ import annotations

from typing import Any

from .. import dispatch as D
from ..ops import Op
from .modes import _MODE, no_grad


class FunctionCtx:
    """What `forward` leaves for `backward`: saved tensors and any attributes you set."""

    def __init__(self, needs: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs
        self._saved: tuple[Any, ...] = ()
        self._versions: list[tuple[list[int], int]] = []
        self._non_differentiable: set[int] = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or None) for backward; changing one in place later makes backward raise."""
        for t in tensors:
            if t is not None and not isinstance(t, D.Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument is of type "
                    f"{type(t).__name__}; keep other values as attributes of ctx"
                )
        self._saved = tensors
        self._versions = [(t._version, t._version[0]) for t in tensors if t is not None]

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to save_for_backward, checked for in-place changes since."""
        for counter, version in self._versions:
            if counter[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: a saved tensor is at version {counter[0]}; expected "
                    f"version {version} instead."
                )
        return self._saved

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Outputs (e.g. indices) that get no gradient."""
        self._non_differentiable |= {id(o) for o in outputs}

    def mark_dirty(self, *tensors: Any) -> None:
        raise NotImplementedError(
            "mark_dirty: custom Functions that modify their inputs in place are not supported by "
            "likelygrad; return a new tensor instead"
        )

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class _FunctionOp(Op):
    """The node op of one Function subclass: its backward calls the user's `backward`."""

    fn: Any = None

    @classmethod
    def backward(cls, node: Any, g: Any) -> tuple[Any, ...]:  # type: ignore[override]
        fctx, positions, n_args = node.saved
        with no_grad():
            result = cls.fn.backward(fctx, D.make(g, None))
        grads = result if isinstance(result, tuple) else (result,)
        if len(grads) != n_args:
            raise RuntimeError(
                f"function {cls.fn.__name__}Backward returned an incorrect number of gradients "
                f"(expected {n_args}, got {len(grads)})"
            )
        out = []
        for i in positions:  # the gradients of the tensor arguments, in order
            gi = grads[i]
            if gi is not None and not isinstance(gi, D.Tensor):
                raise TypeError(
                    f"{cls.fn.__name__}.backward must return tensors (or None), got "
                    f"{type(gi).__name__} for argument {i}"
                )
            out.append(None if gi is None else gi.array)
        return tuple(out)


class Function:
    """Base class of custom ops: define static `forward(ctx, *args)` and `backward(ctx, *grads)`
    (or `forward(*args)` plus `setup_context(ctx, inputs, output)`), then call `apply`."""

    _op: type[_FunctionOp] | None = None

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        raise NotImplementedError

    vjp = backward

    @classmethod
    def _node_op(cls) -> type[_FunctionOp]:
        if cls.__dict__.get("_op") is None:
            op = type(f"{cls.__name__}Op", (_FunctionOp,), {"fn": cls})
            # after Op.__init_subclass__, which names ops after their class
            setattr(op, "name", cls.__name__)  # noqa: B010
            setattr(op, "grad_name", f"{cls.__name__}Backward")  # noqa: B010
            cls._op = op
        return cls.__dict__["_op"]

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run forward without recording, then link one node whose VJP is `backward`."""
        positions = [i for i, a in enumerate(args) if isinstance(a, D.Tensor)]
        needs = tuple(isinstance(a, D.Tensor) and a.requires_grad for a in args)
        fctx = FunctionCtx(needs)
        new_style = any("setup_context" in vars(c) for c in cls.__mro__ if c is not Function)
        with no_grad():
            if new_style:
                output = cls.forward(*args)
                cls.setup_context(fctx, args, output)
            else:
                output = cls.forward(fctx, *args)
        outputs = output if isinstance(output, tuple) else (output,)
        if not all(isinstance(o, D.Tensor) for o in outputs):
            raise TypeError(f"{cls.__name__}.forward must return a tensor or a tuple of tensors")
        differentiable = [o for o in outputs if id(o) not in fctx._non_differentiable]
        record = _MODE.enabled and any(needs)
        if not record or not differentiable:
            return output
        if len(differentiable) > 1:
            raise NotImplementedError(
                f"{cls.__name__}: likelygrad's custom Functions have one differentiable output; "
                "mark the others with ctx.mark_non_differentiable, or split the Function"
            )
        (y,) = differentiable
        tensors = [args[i] for i in positions]
        nexts = tuple(t._node for t in tensors)
        node = D.Node(cls._node_op(), nexts, tuple(n is not None for n in nexts),
                      [t.array for t in tensors], D.backend_of(y.array))  # fmt: skip
        node.saved = (fctx, positions, len(args))
        linked = D.make(y.array, node, y._version)
        return (
            tuple(linked if o is y else o for o in outputs) if isinstance(output, tuple) else linked
        )


def once_differentiable(fn: Any) -> Any:
    """Accepted for PyTorch compatibility: likelygrad's backward never records a graph anyway."""
    return fn
