"""Reading a PNG for `likelygrad predict`: any bit depth and colour type, as MNIST-like pixels.

The model takes what its data set holds: one 8-bit grey level per pixel, 0..255, light strokes
on a dark background, at its own image size. Every change made to get there (colour to grey,
16 bits to 8, a resize, an inversion) is reported through `note`, so a prediction is never
made on an image silently different from the file. Pillow is optional (it comes with
matplotlib); a file it cannot decode is a `ValueError` naming the file.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Larger images are refused before decoding: a digit needs no more, and a forged header
# could otherwise ask for gigabytes.
MAX_PIXELS = 1 << 24
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_header(path: Path) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from the IHDR chunk; ValueError if not a PNG."""
    with open(path, "rb") as f:
        head = f.read(33)
    if len(head) < 33 or head[:8] != _SIGNATURE or head[12:16] != b"IHDR":
        raise ValueError(f"{path}: not a PNG file (no PNG signature and IHDR header)")
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return width, height, head[24], head[25]


def read_png(path: Path, shape: tuple[int, ...], note: Callable[[str], None]) -> np.ndarray:
    """The image at `path` as uint8 of shape (1, *shape), grey levels 0..255, light on dark."""
    try:
        from PIL import Image
    except ImportError:
        raise RuntimeError(
            "reading PNG files needs Pillow: pip install pillow (or 'likelygrad[plot]')"
        ) from None
    width, height, depth, colour = png_header(path)
    if not 0 < width * height <= MAX_PIXELS:
        raise ValueError(f"{path}: a {width}×{height} image; predict reads up to {MAX_PIXELS:,}"
                         " pixels")  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()
                a = _grey(img, depth, colour, path, note)
    except Exception as e:  # Pillow raises OSError, SyntaxError, zlib.error... on broken files
        raise ValueError(f"{path}: not a readable PNG image ({type(e).__name__}: {e})") from None
    if a.shape != tuple(shape):
        note(f"{path.name}: resized from {a.shape[1]}×{a.shape[0]} to {shape[1]}×{shape[0]}, "
             "the model's input")  # fmt: skip
        resized = Image.fromarray(a).resize((shape[1], shape[0]), Image.Resampling.BILINEAR)
        a = np.asarray(resized, dtype=np.uint8)
    if a.mean() > 127:  # MNIST digits are light on dark: invert dark-on-light drawings
        note(f"{path.name}: light background, inverting to MNIST's light-on-dark")
        a = 255 - a
    return a[None]


_KINDS = {0: "grey", 2: "RGB", 3: "palette", 4: "grey+alpha", 6: "RGBA"}


def _grey(img, depth: int, colour: int, path: Path, note: Callable[[str], None]) -> np.ndarray:
    """8-bit grey levels from a decoded image, rescaled by the file's bit depth."""
    name = path.name
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grey: Pillow keeps the raw values 0..65535, which convert("L") would clip at
        # 255; scale by the largest value the file's bit depth allows instead
        top = (1 << depth) - 1 if 0 < depth <= 16 else 65535
        note(f"{name}: {depth}-bit grey levels rescaled to 0..255")
        raw = np.asarray(img, dtype=np.float64)
        return np.clip(np.rint(raw * (255 / top)), 0, 255).astype(np.uint8)
    if colour in (0, 4) and depth != 8:  # Pillow rescales 1, 2 and 4 bits itself
        note(f"{name}: {depth}-bit grey levels rescaled to 0..255")
    elif colour in (2, 3, 6):
        bits = f"{depth}-bit " if depth == 16 else ""
        note(f"{name}: {bits}{_KINDS[colour]} image converted to 8-bit grey")
    if img.mode not in ("RGBA", "LA", "PA") and "transparency" not in img.info:
        return np.asarray(img.convert("L"), dtype=np.uint8)
    # Transparent pixels are background: white behind dark strokes, black behind light ones.
    la = np.asarray(img.convert("RGBA").convert("LA"), dtype=np.float64)
    grey, alpha = la[..., 0], la[..., 1] / 255
    stroke = (grey * alpha).sum() / max(alpha.sum(), 1e-12)
    background = 255.0 if stroke < 128 else 0.0
    note(f"{name}: transparent pixels taken as a {'white' if background else 'black'} background")
    return np.rint(grey * alpha + background * (1 - alpha)).astype(np.uint8)
