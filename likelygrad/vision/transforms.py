"""A few torchvision transforms, on NumPy images and likelygrad tensors (no PIL).

``ToTensor`` turns an H×W (or H×W×C) uint8 array into a C×H×W float tensor in [0, 1];
``Normalize`` standardizes each channel; ``Compose`` chains transforms; ``Lambda`` wraps a
function. ``ToTensor`` followed by ``Normalize``\\ s can also run on a whole batch of images at
once (``batch_transform``), which the vision datasets use to serve a DataLoader's batches with
the same values the per-image transforms give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..buffers import BufferPool
from ..creation import from_numpy
from ..tensor import Tensor


class ToTensor:
    """An H×W or H×W×C ndarray as a C×H×W tensor; uint8 values are scaled to [0, 1] in the
    default float dtype, other dtypes are kept as they are (as torchvision does)."""

    def __call__(self, pic: Any) -> Tensor:
        if not isinstance(pic, np.ndarray):
            raise TypeError(
                f"pic should be PIL Image or ndarray. Got {type(pic)} (likelygrad.vision reads "
                "ndarrays only: pass np.asarray(image) for a PIL image)"
            )
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        chw = np.ascontiguousarray((pic[:, :, None] if pic.ndim == 2 else pic).transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            chw = np.divide(chw, 255, dtype=dtypes.get_default_dtype())
        return from_numpy(chw)

    def batched(self, images: np.ndarray, pool: BufferPool) -> np.ndarray:
        """N images (N×H×W or N×H×W×C uint8) as one N×C×H×W array, the values ``__call__``
        gives each image."""
        nchw = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
        if images.dtype != np.uint8:
            return np.ascontiguousarray(nchw)
        out = pool.get(nchw.shape, dtypes.get_default_dtype())
        np.divide(nchw, 255, out=out, dtype=out.dtype)  # exact at 0 and 255, as torch's div
        return out

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel c of a float tensor image (..., C, H, W)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def _stats(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        mean, std = np.asarray(self.mean, dtype=dtype), np.asarray(self.std, dtype=dtype)
        if (std == 0).any():
            raise ValueError(
                f"std evaluated to zero after conversion to {dtype}, leading to division by zero."
            )
        if mean.ndim == 1:
            mean = mean.reshape(-1, 1, 1)
        if std.ndim == 1:
            std = std.reshape(-1, 1, 1)
        return mean, std

    def __call__(self, tensor: Any) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Input tensor should be a torch tensor. Got {type(tensor)}.")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(
                "Expected tensor to be a tensor image of size (..., C, H, W). Got "
                f"tensor.size() = {tensor.size()}"
            )
        mean, std = self._stats(tensor.dtype)
        if self.inplace:
            return tensor.sub_(Tensor(mean)).div_(Tensor(std))
        return (tensor - Tensor(mean)) / Tensor(std)

    def batched(self, images: np.ndarray, pool: BufferPool) -> np.ndarray:
        """Normalize N×C×H×W float images in place (the array is the batch's own)."""
        mean, std = self._stats(images.dtype)
        images -= mean
        images /= std
        return images

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Compose:
    """Apply ``transforms`` in order."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"Compose({lines}\n)"


class Lambda:
    """A function used as a transform."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return "Lambda()"


def _steps(transform: Any) -> list[Any] | None:
    if transform is None:
        return []
    if type(transform) is Compose:
        parts = [_steps(t) for t in transform.transforms]
        return None if any(p is None for p in parts) else [s for p in parts for s in p]  # type: ignore[union-attr]
    return [transform] if type(transform) in (ToTensor, Normalize) else None


def batch_transform(transform: Any) -> Callable[[np.ndarray, BufferPool], np.ndarray] | None:
    """``transform`` applied to a whole uint8 image batch at once, or None when it cannot be:
    only nothing, or ``ToTensor`` then any ``Normalize``\\ s (possibly inside Composes)."""
    steps = _steps(transform)
    if steps is None:
        return None
    if steps and (
        type(steps[0]) is not ToTensor or any(type(s) is not Normalize for s in steps[1:])
    ):
        return None

    def run(images: np.ndarray, pool: BufferPool) -> np.ndarray:
        for step in steps:
            images = step.batched(images, pool)
        return images

    return run
