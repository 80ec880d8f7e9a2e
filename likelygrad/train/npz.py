"""Read .npz archives written by someone else, trusting nothing in them.

An .npz file is a zip archive with one ``.npy`` member per array. ``np.load`` trusts the archive:
a member whose header claims a huge shape is allocated before its data is read, a member that is
not ``.npy`` comes back as bytes, and zip features it cannot handle (encryption, unknown
compression methods) escape as ``RuntimeError`` or ``NotImplementedError``. Here every size is
checked against the archive's size before anything is allocated, each ``.npy`` header is parsed
as a literal (never unpickled), only plain numeric dtypes are accepted, and every problem is a
``ValueError`` whose message says what is wrong (the caller adds the file's name).
"""

from __future__ import annotations

import ast
import math
import struct
import zipfile
import zlib
from typing import IO

import numpy as np

NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floating point
MAX_NDIM = 64  # NumPy's own limit on dimensions
_NPY_MAGIC = b"\x93NUMPY"
_MAX_NPY_HEADER = 1 << 16  # a real header is ~100 bytes; NumPy itself refuses beyond 10,000
# DEFLATE cannot compress better than about 1032:1, so an archive that promises more than this
# many bytes per compressed byte is lying, and is rejected before anything is decompressed.
_MAX_DEFLATE_RATIO = 1032
_CHUNK = 1 << 20  # members are read in 1 MiB pieces: memory follows the bytes really there
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
_ENCRYPTED, _PATCHED, _STRONG_ENCRYPTION = 0x01, 0x20, 0x40  # zip general-purpose flag bits
# what the zipfile module raises for a damaged archive besides ValueError (which passes as is);
# encryption and unknown methods are refused before it sees them, the rest is its backstop
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    OverflowError,
)


def check_numeric_dtype(dtype: np.dtype, what: str) -> None:
    """ValueError unless `dtype` is a plain bool, integer or floating type (no records)."""
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(
            f"{what} has dtype {dtype}; only bool, integer and floating arrays are accepted "
            "(not object, string, complex or record arrays)"
        )


def read_npz(file: IO[bytes], file_size: int) -> dict[str, np.ndarray]:
    """Every member of the .npz archive `file` (`file_size` bytes) as a native-endian array."""
    try:
        archive = zipfile.ZipFile(file)
    except _ZIP_ERRORS as e:
        raise ValueError(f"not a readable zip archive ({type(e).__name__}: {e})") from None
    with archive:
        members = archive.infolist()
        _check_members(members, file_size)
        arrays = {}
        for info in members:
            try:
                with archive.open(info) as member:
                    array = _read_npy(member, info.file_size, repr(info.filename))
            except _ZIP_ERRORS as e:
                raise ValueError(
                    f"member {info.filename!r} is damaged ({type(e).__name__}: {e})"
                ) from None
            arrays[info.filename.removesuffix(".npy")] = array
    return arrays


def _check_members(members: list[zipfile.ZipInfo], file_size: int) -> None:
    """Reject what the archive's directory says before any member is opened."""
    seen: set[str] = set()
    total = 0
    for info in members:
        name = repr(info.filename)
        if not info.filename.endswith(".npy"):
            raise ValueError(f"member {name} is not a .npy array")
        if info.filename in seen:
            raise ValueError(f"member {name} appears twice")
        seen.add(info.filename)
        if info.flag_bits & (_ENCRYPTED | _STRONG_ENCRYPTION | _PATCHED):
            raise ValueError(
                f"member {name} is encrypted or patched (zip flags {info.flag_bits:#x})"
            )
        if info.compress_type not in (_STORED, _DEFLATED):
            raise ValueError(
                f"member {name} uses zip compression method {info.compress_type}; "
                "only 0 (stored) and 8 (deflated) are read"
            )
        if info.header_offset + info.compress_size > file_size:
            raise ValueError(
                f"member {name} claims {info.compress_size} bytes at offset "
                f"{info.header_offset}, past the end of the {file_size}-byte file"
            )
        if info.compress_type == _STORED and info.file_size != info.compress_size:
            raise ValueError(
                f"member {name} is stored uncompressed, yet its sizes differ "
                f"({info.file_size} vs {info.compress_size} bytes)"
            )
        total += info.file_size
    if total > _MAX_DEFLATE_RATIO * file_size:
        raise ValueError(
            f"the members claim {total} bytes in all, more than a {file_size}-byte zip archive "
            f"can hold ({_MAX_DEFLATE_RATIO}:1 is DEFLATE's limit)"
        )


def _read_exactly(f: IO[bytes], n: int) -> bytes:
    """n bytes or fewer (at the end), read in chunks so memory follows the data."""
    parts, got = [], 0
    while got < n:
        part = f.read(min(n - got, _CHUNK))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _parse_header(text: str, name: str) -> tuple[np.dtype, tuple[int, ...], bool]:
    """(dtype, shape, fortran_order) from a .npy header: a Python dict literal, never code."""
    try:
        header = ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        raise ValueError(f"member {name} has a .npy header that is not a literal") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError(
            f"member {name}: a .npy header holds exactly descr, fortran_order and shape"
        )
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    if not isinstance(descr, str):  # a list describes a record array
        raise ValueError(f"member {name} is a record array (descr {descr!r})")
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError, SyntaxError):
        raise ValueError(f"member {name} has an unknown dtype {descr!r}") from None
    check_numeric_dtype(dtype, f"member {name}")
    if not isinstance(fortran, bool):
        raise ValueError(f"member {name}: fortran_order must be True or False, not {fortran!r}")
    if not (
        isinstance(shape, tuple)
        and len(shape) <= MAX_NDIM
        and all(type(s) is int and s >= 0 for s in shape)
    ):
        raise ValueError(
            f"member {name}: the shape must be a tuple of at most {MAX_NDIM} sizes >= 0, "
            f"not {shape!r}"
        )
    return dtype, shape, fortran


def _read_npy(f: IO[bytes], size: int, name: str) -> np.ndarray:
    """The array in a .npy member of `size` bytes, its header checked against that size."""
    lead = _read_exactly(f, 8)
    if len(lead) < 8 or lead[:6] != _NPY_MAGIC:
        raise ValueError(f"member {name} is not a .npy array (no \\x93NUMPY magic)")
    version = (lead[6], lead[7])
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"member {name} has unknown .npy format version {version}")
    width = 2 if version == (1, 0) else 4
    raw = _read_exactly(f, width)
    n = int.from_bytes(raw, "little")
    start = 8 + width + n
    if len(raw) < width or n > _MAX_NPY_HEADER or start > size:
        raise ValueError(
            f"member {name}: its .npy header claims {n} bytes; the member has {size} and at "
            f"most {_MAX_NPY_HEADER} are allowed"
        )
    try:
        text = _read_exactly(f, n).decode("utf-8" if version == (3, 0) else "latin1")
    except UnicodeDecodeError:
        raise ValueError(f"member {name} has a .npy header that is not UTF-8") from None
    dtype, shape, fortran = _parse_header(text, name)
    nbytes = math.prod(shape) * dtype.itemsize  # Python ints: cannot overflow
    if start + nbytes != size:
        raise ValueError(
            f"member {name}: its .npy header says {shape} {dtype} = {nbytes} bytes of data, "
            f"but the member holds {size - start}"
        )
    data = bytearray()  # grows as bytes arrive (writable, unlike bytes)
    while len(data) < nbytes:
        chunk = f.read(min(nbytes - len(data), _CHUNK))
        if not chunk:
            break
        data += chunk
    if len(data) != nbytes or f.read(1):  # the last read makes zipfile check the CRC
        raise ValueError(f"member {name} does not hold the {nbytes} bytes its header says")
    flat = np.frombuffer(data, dtype=dtype)
    array = flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))
