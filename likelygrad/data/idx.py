"""Read and write the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed.

An IDX file is a 4-byte magic number, one big-endian uint32 size per dimension, then the array
in C order, big-endian::

    00 00 <dtype code> <ndim>   size_0 ... size_{ndim-1}   data

Reading trusts nothing in the header: the sizes are multiplied (as Python ints, so they cannot
overflow) and compared with the bytes actually there before anything is allocated, so a
corrupt or hostile file raises ``IDXError`` (a ``ValueError``) naming the file instead of an
``IndexError``, a ``MemoryError`` or a hang.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import zlib
from typing import Protocol

import numpy as np

# IDX type codes and their big-endian NumPy dtypes (the format is always big-endian).
_CODE_TO_DTYPE: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_NAME_TO_CODE = {dt.name: code for code, dt in _CODE_TO_DTYPE.items()}

MAX_DIMS = 16  # the format allows 255; no real data set has more than a handful
_GZIP_MAGIC = b"\x1f\x8b"
# DEFLATE cannot compress better than about 1032:1, so a header that promises more than this
# many bytes per compressed byte is a lie we can reject before decompressing anything.
_MAX_DEFLATE_RATIO = 1032
_CHUNK = 1 << 20  # gzip is read in 1 MiB pieces so a bogus size never becomes one huge buffer

PathLike = str | os.PathLike


class IDXError(ValueError):
    """A file that is not a valid IDX file; the message names the file and what is wrong."""


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _describe(sizes: tuple[int, ...], dtype: np.dtype) -> str:
    """'60000×28×28 uint8 = 47040000 bytes' for error messages."""
    shape = "×".join(str(s) for s in sizes)
    return f"{shape} {dtype.name} = {math.prod(sizes) * dtype.itemsize} bytes"


def _read_exact(f: _Reader, n: int) -> bytes:
    """Read up to n bytes, looping because a gzip stream may return short reads."""
    parts, got = [], 0
    while got < n:
        part = f.read(min(n - got, _CHUNK))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _parse_header(f: _Reader, where: str) -> tuple[np.dtype, tuple[int, ...], int]:
    """Read and check the magic number and sizes; return (dtype, shape, header length)."""
    magic = _read_exact(f, 4)
    if len(magic) < 4:
        raise IDXError(f"{where}: {len(magic)} bytes, too short for an IDX header (4 bytes)")
    if magic[0] != 0 or magic[1] != 0:
        raise IDXError(
            f"{where}: not an IDX file: the magic number must start with two zero bytes, "
            f"found {magic[:2].hex(' ')}"
        )
    code, ndim = magic[2], magic[3]
    if code not in _CODE_TO_DTYPE:
        known = ", ".join(f"0x{c:02X} {dt.name}" for c, dt in _CODE_TO_DTYPE.items())
        raise IDXError(f"{where}: unknown IDX dtype code 0x{code:02X} (known: {known})")
    if not 1 <= ndim <= MAX_DIMS:
        raise IDXError(f"{where}: header says {ndim} dimensions; expected 1 to {MAX_DIMS}")
    raw_sizes = _read_exact(f, 4 * ndim)
    if len(raw_sizes) < 4 * ndim:
        raise IDXError(
            f"{where}: truncated header: {ndim} dimensions need {4 * ndim} bytes of sizes, "
            f"found {len(raw_sizes)}"
        )
    sizes = tuple(int(s) for s in np.frombuffer(raw_sizes, dtype=">u4"))
    return _CODE_TO_DTYPE[code], sizes, 4 + 4 * ndim


def _size_error(where: str, sizes: tuple[int, ...], dtype: np.dtype, found: str) -> IDXError:
    return IDXError(f"{where}: header says {_describe(sizes, dtype)}, {found}")


def _read_raw(f: io.BufferedReader, where: str, file_size: int) -> np.ndarray:
    dtype, sizes, header = _parse_header(f, where)
    need = math.prod(sizes) * dtype.itemsize
    have = file_size - header
    if have != need:  # exact: short means truncated, long means trailing garbage
        raise _size_error(where, sizes, dtype, f"file has {have} bytes after the header")
    buf = np.empty(need, dtype=np.uint8)
    if f.readinto(buf.data) != need:
        raise IDXError(f"{where}: file changed size while being read")
    return buf.view(dtype).reshape(sizes)


def _read_gzip(f: io.BufferedReader, where: str, file_size: int) -> np.ndarray:
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as g:
            dtype, sizes, _ = _parse_header(g, where)
            need = math.prod(sizes) * dtype.itemsize
            if need > _MAX_DEFLATE_RATIO * file_size:
                raise _size_error(
                    where,
                    sizes,
                    dtype,
                    f"but a gzip file of {file_size} bytes decompresses to at most "
                    f"{_MAX_DEFLATE_RATIO * file_size} bytes",
                )
            # Ask for one byte more than needed: getting it means trailing data; reaching the
            # end of the stream makes gzip check the CRC and length trailer.
            data = bytearray()
            while len(data) <= need:
                chunk = g.read(min(need + 1 - len(data), _CHUNK))
                if not chunk:
                    break
                data += chunk
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise IDXError(f"{where}: corrupt gzip stream: {e}") from e
    if len(data) != need:
        found = (
            f"decompressed data has more than {need} bytes after the header"
            if len(data) > need
            else f"decompressed data has {len(data)} bytes after the header"
        )
        raise _size_error(where, sizes, dtype, found)
    return np.frombuffer(data, dtype=dtype).reshape(sizes)  # a bytearray: writable


def read_idx(path: PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip, detected from its first bytes) as a native-endian array.

    Raises ``IDXError`` (a ``ValueError``) naming the file for a bad header, a size that does
    not match the data, trailing bytes or a corrupt gzip stream.
    """
    where = os.fspath(path)
    with open(path, "rb") as f:
        file_size = os.fstat(f.fileno()).st_size
        is_gzip = f.read(2) == _GZIP_MAGIC
        f.seek(0)
        array = _read_gzip(f, where, file_size) if is_gzip else _read_raw(f, where, file_size)
    if array.dtype.itemsize > 1:
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def write_idx(path: PathLike, array: np.ndarray) -> None:
    """Write an array as IDX, gzip-compressed when the path ends in ``.gz``.

    Supported dtypes: uint8, int8, int16, int32, float32, float64 (cast others first, e.g.
    ``labels.astype(np.uint8)``). The gzip header carries no name or timestamp, so equal arrays give
    byte-identical files.
    """
    array = np.asarray(array)
    code = _NAME_TO_CODE.get(array.dtype.name)
    if code is None:
        raise TypeError(
            f"write_idx: cannot store dtype {array.dtype} in IDX; supported: "
            f"{', '.join(_NAME_TO_CODE)} (cast first, e.g. array.astype(np.int32))"
        )
    if not 1 <= array.ndim <= MAX_DIMS:
        raise ValueError(
            f"write_idx: IDX holds 1 to {MAX_DIMS} dimensions, got shape {tuple(array.shape)}"
        )
    if any(s >= 2**32 for s in array.shape):
        raise ValueError(
            f"write_idx: every size must fit in 32 bits, got shape {tuple(array.shape)}"
        )
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=_CODE_TO_DTYPE[code]).tobytes()
    if os.fspath(path).endswith(".gz"):
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as g,
        ):
            g.write(header)
            g.write(payload)
    else:
        with open(path, "wb") as f:
            f.write(header)
            f.write(payload)
