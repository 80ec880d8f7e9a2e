"""torchvision.utils' `make_grid` and `save_image`: a batch of images as one tiled picture.

    >>> from likelygrad.vision.utils import make_grid, save_image
    >>> save_image(recon.view(64, 1, 28, 28), "sample.png")    # the VAE example's call

`make_grid` works on tensors (any device) as torchvision's does; `save_image` writes PNG files
itself (zlib, no Pillow), so only the PNG format is available.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from typing import IO, Any

import numpy as np

from .. import dtypes
from ..functions import stack
from ..tensor import Tensor


def make_grid(
    tensor: Tensor | list[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Images (B×C×H×W, or a list of C×H×W) tiled `nrow` to a row with `padding` pixels of
    `pad_value` between them: one C×H'×W' image. One-channel images become three-channel (as
    torchvision); `normalize` rescales to [0, 1] by `value_range` (default: min and max)."""
    if isinstance(tensor, list):
        if not all(isinstance(t, Tensor) for t in tensor):
            raise TypeError(f"tensor or list of tensors expected, got a list of {type(tensor[0])}")
        images: Tensor = stack(tensor, dim=0)
    elif isinstance(tensor, Tensor):
        images = tensor
    else:
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if images.ndim == 2:  # one H×W image
        images = images.unsqueeze(0)
    if images.ndim == 3:  # one C×H×W image
        images = (images.expand(3, -1, -1) if images.shape[0] == 1 else images).unsqueeze(0)
    if images.ndim != 4:
        raise ValueError(f"make_grid: expected images B×C×H×W, got shape {tuple(images.shape)}")
    if images.shape[1] == 1:  # grey to RGB
        images = images.expand(-1, 3, -1, -1)
    images = images.detach()
    if normalize:
        images = images.clone()
        for image in images if scale_each else [images]:
            low, high = value_range if value_range is not None else (image.min(), image.max())
            image.clamp_(min=float(low), max=float(high))
            image.sub_(float(low)).div_(max(float(high) - float(low), 1e-5))
    if images.shape[0] == 1:
        return images.squeeze(0)
    count, channels, h, w = images.shape
    across = min(nrow, count)
    down = math.ceil(count / across)
    cell_h, cell_w = h + padding, w + padding
    grid = images.new_full(
        (channels, cell_h * down + padding, cell_w * across + padding), pad_value
    )
    for k in range(count):
        top, left = (k // across) * cell_h + padding, (k % across) * cell_w + padding
        grid[:, top : top + h, left : left + w] = images[k]
    return grid


def save_image(
    tensor: Tensor | list[Tensor],
    fp: str | os.PathLike | IO[bytes],
    format: str | None = None,
    **kwargs: Any,
) -> None:
    """Write `make_grid(tensor, **kwargs)` as an 8-bit PNG (values in [0, 1] scaled to 0..255,
    rounded, as torchvision does). `fp` is a path or a binary file object."""
    named = isinstance(fp, str | os.PathLike)
    suffix = os.path.splitext(os.fspath(fp))[1].lower() if named else ""  # type: ignore[arg-type]
    if (format or suffix.lstrip(".") or "png").lower() != "png":
        raise ValueError(
            f"save_image writes PNG files only (likelygrad has no image library), got "
            f"{format or suffix!r}: save to a .png path"
        )
    grid = make_grid(tensor, **kwargs)
    scaled = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", dtypes.uint8)
    pixels = scaled.numpy()
    if named:
        with open(fp, "wb") as f:  # type: ignore[arg-type]
            f.write(png_bytes(pixels))
    else:
        fp.write(png_bytes(pixels))  # type: ignore[union-attr]


def png_bytes(pixels: np.ndarray) -> bytes:
    """An H×W×C uint8 array (C = 1 grey, 3 RGB, 4 RGBA) as the bytes of a PNG file."""
    colour = {1: 0, 3: 2, 4: 6}.get(pixels.shape[2]) if pixels.ndim == 3 else None
    if colour is None or pixels.dtype != np.uint8:
        raise ValueError(
            f"a PNG holds H×W×1, 3 or 4 uint8 values, got {pixels.dtype} of shape "
            f"{tuple(pixels.shape)}"
        )
    h, w, _ = pixels.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = np.concatenate([np.zeros((h, 1), np.uint8), pixels.reshape(h, -1)], axis=1)  # filter 0
    header = struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes()))
        + chunk(b"IEND", b"")
    )
