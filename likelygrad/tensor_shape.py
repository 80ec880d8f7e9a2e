"""Tensor methods that change shape, dtype or device without computing new values.

Views (`view`, `reshape`, `permute`, `transpose`, `expand`, `squeeze`, ...) share memory with
their base where the array library allows it; their VJPs route gradients back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dispatch as D
from . import dtypes as dt
from . import shape_ops as SH
from .tensor_args import sizes
from .tensor_convert import ConvertMethods


class ShapeMethods(ConvertMethods):
    """Reshaping, permuting, joining and splitting; converting comes from ConvertMethods
    (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

        def __getitem__(self, index: Any) -> Any: ...

    # ---- shape ------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Any:
        """A new shape (`x.reshape(2, -1)` or `x.reshape((2, -1))`), the same elements."""
        return D.apply(SH.Reshape, self, shape=sizes(shape))

    def view(self, *shape: Any) -> Any:
        """`reshape` (sharing memory where possible); `view(dtype)` reinterprets the bytes."""
        if (
            len(shape) == 1
            and not hasattr(shape[0], "__index__")
            and not isinstance(shape[0], tuple | list)
        ):
            d = dt.as_dtype(shape[0])
            return D.make(self.array.view(d), None, self._version)
        return self.reshape(*shape)

    def view_as(self, other: Any) -> Any:
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        """Merge dimensions start_dim..end_dim (inclusive) into one."""
        s, e = self._dim(start_dim), self._dim(end_dim)
        if self.ndim == 0:
            return self.reshape(1)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = self.shape
        size = 1
        for n in shape[s : e + 1]:
            size *= n
        return self.reshape(*shape[:s], size, *shape[e + 1 :])

    def unflatten(self, dim: int, sizes_: Any) -> Any:
        d = self._dim(dim)
        shape = self.shape
        return self.reshape(*shape[:d], *sizes(tuple(sizes_)), *shape[d + 1 :])

    def squeeze(self, dim: Any = None) -> Any:
        """Drop dimensions of size 1 (all of them, or those in `dim` that have size 1)."""
        shape = self.shape
        if dim is None:
            drop = {i for i, n in enumerate(shape) if n == 1}
        else:
            ds = [self._dim(d) for d in (dim if isinstance(dim, tuple | list) else (dim,))]
            drop = {d for d in ds if self.ndim and shape[d] == 1}
        return self.reshape(*(n for i, n in enumerate(shape) if i not in drop))

    def unsqueeze(self, dim: int) -> Any:
        """Insert a dimension of size 1 at `dim` (negative counts from the new end)."""
        d = SH.normalize_dim(dim, self.ndim, extra=1)
        shape = self.shape
        return self.reshape(*shape[:d], 1, *shape[d:])

    def permute(self, *dims: Any) -> Any:
        """Reorder all dimensions: `x.permute(2, 0, 1)`."""
        return D.apply(SH.Permute, self, axes=sizes(dims))

    def transpose(self, dim0: int, dim1: int) -> Any:
        """Swap two dimensions (PyTorch's transpose; `permute` reorders all of them)."""
        n = self.ndim
        a, b = SH.normalize_dim(dim0, n), SH.normalize_dim(dim1, n)
        perm = list(range(n))
        perm[a], perm[b] = perm[b], perm[a]
        return self.permute(*perm) if n else self

    swapaxes = swapdims = transpose

    def t(self) -> Any:
        """The transpose of a matrix (0-D and 1-D tensors are returned as they are)."""
        if self.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D"
            )
        return self.transpose(0, 1) if self.ndim == 2 else self

    def movedim(self, source: Any, destination: Any) -> Any:
        src = [self._dim(s) for s in (source if isinstance(source, tuple | list) else (source,))]
        dst = [
            self._dim(d)
            for d in (destination if isinstance(destination, tuple | list) else (destination,))
        ]
        rest = [i for i in range(self.ndim) if i not in src]
        order = [None] * self.ndim
        for s, d in zip(src, dst):
            order[d] = s
        it = iter(rest)
        return self.permute(*[o if o is not None else next(it) for o in order])

    moveaxis = movedim

    def expand(self, *shape: Any) -> Any:
        """Broadcast to a larger shape without copying; -1 keeps a dimension's size."""
        shape = sizes(shape)
        lead = len(shape) - self.ndim
        if lead < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to "
                f"the number of dimensions in the tensor ({self.ndim})"
            )
        full = tuple(
            self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape)
        )
        try:
            return D.apply(SH.Expand, self, shape=full)
        except ValueError:
            raise RuntimeError(
                f"expand: the expanded size {list(full)} must match the existing size "
                f"{list(self.shape)} "
                "at non-singleton dimensions"
            ) from None

    def expand_as(self, other: Any) -> Any:
        return self.expand(other.shape)

    def broadcast_to(self, shape: Any) -> Any:
        return self.expand(*shape)

    def repeat(self, *reps: Any) -> Any:
        """Tile the tensor reps[i] times along each dimension (PyTorch's repeat = np.tile)."""
        reps = sizes(reps)
        if len(reps) < self.ndim:
            raise RuntimeError(
                "Number of dimensions of repeat dims can not be smaller than number of "
                "dimensions of tensor"
            )
        x = self.reshape(*((1,) * (len(reps) - self.ndim) + self.shape))
        return D.apply(SH.Tile, x, reps=reps)

    def tile(self, *reps: Any) -> Any:
        reps = sizes(reps)
        return self.repeat(*((1,) * (self.ndim - len(reps)) + reps))

    def flip(self, *dims: Any) -> Any:
        return D.apply(SH.Flip, self, axes=tuple(self._dim(d) for d in sizes(dims)))

    def narrow(self, dim: int, start: int, length: int) -> Any:
        d = self._dim(dim)
        start = start + self.shape[d] if start < 0 else start
        if start < 0 or length < 0 or start + length > self.shape[d]:
            raise IndexError(
                f"narrow(): start ({start}) + length ({length}) exceeds dimension size "
                f"({self.shape[d]})."
            )
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def select(self, dim: int, index: int) -> Any:
        d = self._dim(dim)
        if not -self.shape[d] <= index < self.shape[d]:
            raise IndexError(
                f"select(): index {index} out of range for tensor of size {tuple(self.shape)} at "
                f"dimension {d}"
            )
        return self[(slice(None),) * d + (index,)]

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        """Pieces along `dim` of `split_size` (the last may be smaller), or of listed sizes."""
        d = self._dim(dim)
        n = self.shape[d]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            if step <= 0:
                raise RuntimeError(
                    f"split expects split_size be non-negative, but got split_size={step}"
                )
            bounds = list(range(0, n, step)) + [n]
        else:
            parts = list(split_size_or_sections)
            if sum(parts) != n:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                    f"tensor's size at dimension {d}), but got split_sizes={parts}"
                )
            bounds = [0]
            for p in parts:
                bounds.append(bounds[-1] + p)
        if n == 0:
            bounds = [0, 0]
        return tuple(self[(slice(None),) * d + (slice(a, b),)] for a, b in zip(bounds, bounds[1:]))

    def tensor_split(self, sections: int, dim: int = 0) -> tuple:
        n = self.shape[self._dim(dim)]
        q, r = divmod(n, sections)
        return self.split([q + 1] * r + [q] * (sections - r), dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """At most `chunks` pieces of ceil(n / chunks) along `dim` (PyTorch's rule)."""
        if chunks <= 0:
            raise RuntimeError("chunk expects `chunks` to be greater than 0")
        n = self.shape[self._dim(dim)]
        return self.split(max(-(-n // chunks), 1), dim)

    def unbind(self, dim: int = 0) -> tuple:
        d = self._dim(dim)
        return tuple(self.select(d, i) for i in range(self.shape[d]))

    def fliplr(self) -> Any:
        """Reversed along dimension 1 (left and right swapped)."""
        if self.ndim < 2:
            raise RuntimeError("fliplr: Input must be >= 2-d.")
        return self.flip(1)

    def flipud(self) -> Any:
        """Reversed along dimension 0 (up and down swapped)."""
        if self.ndim < 1:
            raise RuntimeError("flipud: Input must be >= 1-d.")
        return self.flip(0)

    def roll(self, shifts: Any, dims: Any = None) -> Any:
        """Elements shifted cyclically by `shifts` along `dims` (of the flattened tensor when
        no dims are given)."""
        shift = tuple(shifts) if isinstance(shifts, tuple | list) else (shifts,)
        if dims is None:
            if len(shift) != 1:
                raise RuntimeError(f"roll: shifts {shift} need as many dims; give dims=")
            return self.reshape(-1).roll(shift[0], 0).reshape(self.shape)
        axes = tuple(dims) if isinstance(dims, tuple | list) else (dims,)
        if len(axes) != len(shift):
            raise RuntimeError(
                f"roll: shifts and dimensions must align. shifts: {len(shift)}, dims: {len(axes)}"
            )
        axes = tuple(self._dim(d) for d in axes)
        return D.apply(SH.Roll, self, shifts=tuple(int(s) for s in shift), axes=axes)

    def repeat_interleave(
        self, repeats: Any, dim: int | None = None, *, output_size: int | None = None
    ) -> Any:
        """Each element (each slice along `dim`) repeated `repeats` times in place, e.g.
        [1, 2] -> [1, 1, 2, 2]; `repeats` an int or one count per slice. Without `dim`, of the
        flattened tensor."""
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else x._dim(dim)
        n = x.shape[d] if x.ndim else 1
        reps = np.asarray(repeats.numpy(force=True) if hasattr(repeats, "array") else repeats)
        if reps.ndim > 1 or (reps.ndim == 1 and len(reps) not in (1, n)) or (reps < 0).any():
            raise RuntimeError(
                f"repeat_interleave: repeats must be a non-negative int or have one count per "
                f"element of dimension {d} (size {n}), got shape {tuple(reps.shape)}"
            )
        index = np.repeat(np.arange(n), reps.reshape(-1) if reps.ndim else int(reps))
        if output_size is not None and output_size != len(index):
            raise RuntimeError(
                f"repeat_interleave: output_size {output_size} but the repeats make {len(index)}"
            )
        return x.index_select(d, index)
