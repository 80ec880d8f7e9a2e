"""IDX reading and writing: round trips, and every kind of broken file fails with IDXError."""

import gzip
import struct
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_cap import memory_cap

from likelygrad.data import IDXError, read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]
CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D}


def header(code: int, *sizes: int) -> bytes:
    return bytes([0, 0, code, len(sizes)]) + struct.pack(f">{len(sizes)}I", *sizes)


def put(tmp_path, name: str, data: bytes, compress: bool = False):
    path = tmp_path / (name + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(7,), (3, 4, 5), (2, 0, 3), (1, 2, 1, 3)])
def test_round_trip_every_dtype(tmp_path, dtype, compress, shape):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    array = rng.uniform(info.min / 2, info.max / 2, size=shape).astype(dtype)
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    write_idx(path, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.shape == shape and back.flags.writeable
    np.testing.assert_array_equal(back, array)


def test_bytes_are_big_endian_and_match_the_published_layout(tmp_path):
    path = tmp_path / "x.idx"
    write_idx(path, np.array([[1, -2]], dtype=np.int32))
    assert path.read_bytes() == header(0x0C, 1, 2) + b"\x00\x00\x00\x01\xff\xff\xff\xfe"


def test_gzip_output_is_deterministic(tmp_path):
    array = np.arange(100, dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "other-name.gz", array)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "other-name.gz").read_bytes()


def test_gzip_is_detected_by_content_not_name(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(6, dtype=np.int16).reshape(2, 3))
    (tmp_path / "a.gz").rename(tmp_path / "plain-name")
    np.testing.assert_array_equal(read_idx(tmp_path / "plain-name"), [[0, 1, 2], [3, 4, 5]])


@pytest.mark.parametrize(
    "array, error",
    [
        (np.zeros(3, dtype=np.int64), TypeError),
        (np.zeros(3, dtype=bool), TypeError),
        (np.float32(1.0), ValueError),
        (np.zeros((1,) * 17, dtype=np.uint8), ValueError),
    ],
)
def test_write_rejects_what_idx_cannot_hold(tmp_path, array, error):
    with pytest.raises(error, match="write_idx"):
        write_idx(tmp_path / "x.idx", array)


GOOD = header(0x08, 2, 3) + bytes(range(6))
BROKEN = {
    "empty": b"",
    "two bytes": b"\x00\x00",
    "bad magic": b"\x89PNG\r\n\x1a\n" + bytes(20),
    "wrong zero bytes": b"\x00\x01\x08\x01" + struct.pack(">I", 4) + bytes(4),
    "unknown dtype code": header(0x0A, 4) + bytes(4),
    "zero dimensions": bytes([0, 0, 8, 0]),
    "too many dimensions": bytes([0, 0, 8, 200]) + bytes(800),
    "truncated sizes": header(0x08, 2, 3)[:-2],
    "truncated payload": GOOD[:-1],
    "trailing bytes": GOOD + b"\x00",
    "payload of the wrong dtype": header(0x0C, 2, 3) + bytes(6),
    "bogus huge sizes": header(0x08, 2**31, 2**31) + bytes(100),
    "bogus huge float64": header(0x0E, 2**32 - 1, 2**32 - 1, 2**32 - 1) + bytes(100),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_files_raise_idx_error_naming_the_file(tmp_path, case, compress):
    path = put(tmp_path, "broken-" + case.replace(" ", "-"), BROKEN[case], compress)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(IDXError) as info:
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(info.value)
    # Sizes are checked against the data before allocating: fast, and no big buffer.
    assert time.perf_counter() - start < 1.0
    assert peak < 4 << 20


def test_size_mismatch_message_spells_out_both_sides(tmp_path):
    path = put(tmp_path, "train-images", header(0x08, 60000, 28, 28) + bytes(1234))
    with pytest.raises(ValueError) as info:
        read_idx(path)
    assert str(info.value) == (
        f"{path}: header says 60000×28×28 uint8 = 47040000 bytes, "
        "file has 1234 bytes after the header"
    )


def gzip_bytes(tmp_path) -> bytes:
    write_idx(tmp_path / "good.gz", np.arange(4000, dtype=np.int32))
    return (tmp_path / "good.gz").read_bytes()


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


@pytest.mark.parametrize(
    "corrupt, expected",
    [
        (lambda d: d[: len(d) // 2], "corrupt gzip"),  # truncated in the deflate stream
        (lambda d: d[:-4], "corrupt gzip"),  # truncated in the trailer
        (lambda d: flip(d, len(d) - 6), "CRC check failed"),
        (lambda d: flip(d, len(d) - 2), "corrupt gzip"),  # the length field of the trailer
        (lambda d: flip(d, len(d) // 2), "corrupt gzip"),
        (lambda d: d + b"garbage", "corrupt gzip"),
        (lambda d: d + gzip.compress(b"more"), "more than 16000 bytes"),  # a second member
    ],
    ids=["half", "no-trailer", "crc", "isize", "deflate", "garbage", "extra-member"],
)
def test_corrupt_gzip_streams_raise_idx_error(tmp_path, corrupt, expected):
    path = tmp_path / "bad.gz"
    path.write_bytes(corrupt(gzip_bytes(tmp_path)))
    with pytest.raises(IDXError, match=expected) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_gzip_padding_with_zero_bytes_is_accepted(tmp_path):
    path = tmp_path / "padded.gz"
    path.write_bytes(gzip_bytes(tmp_path) + bytes(16))  # tape-style padding, allowed by gzip
    np.testing.assert_array_equal(read_idx(path), np.arange(4000))


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.idx")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=40),
    cut=st.integers(0, len(GOOD)),
    at=st.integers(0, len(GOOD) - 1),
    byte=st.integers(0, 255),
    compress=st.booleans(),
)
def test_fuzzed_files_either_read_or_raise_idx_error(tmp_path, data, cut, at, byte, compress):
    mutated = GOOD[:at] + bytes([byte]) + GOOD[at + 1 :]
    for i, blob in enumerate([data, GOOD[:cut], mutated, mutated + data]):
        path = put(tmp_path, f"fuzz{i}", blob, compress)
        try:
            array = read_idx(path)
        except IDXError as e:
            assert type(e) is IDXError and str(path) in str(e)
        else:
            assert array.dtype.isnative and array.ndim >= 1


def check_read(path) -> None:
    """Read `path` under a memory cap: an array that matches its own header, or IDXError
    naming the file; anything else (MemoryError included) fails."""
    try:
        with memory_cap():
            array = read_idx(path)
    except IDXError as e:
        assert type(e) is IDXError and str(path) in str(e), e
        return
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    code, ndim = raw[2], raw[3]
    sizes = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    assert array.shape == sizes and array.dtype == np.dtype(IDX_CODES[code])
    assert array.dtype.isnative and array.flags.writeable
    assert raw[4 + 4 * ndim :] == array.astype(array.dtype.newbyteorder(">")).tobytes()


IDX_CODES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype("i2"),
             0x0C: np.dtype("i4"), 0x0D: np.dtype("f4"), 0x0E: np.dtype("f8")}  # fmt: skip
REAL = {  # what the MNIST files hold, smaller: images, labels, and two other dtypes
    "images": np.random.default_rng(0).integers(0, 256, (20, 28, 28)).astype(np.uint8),
    "labels": np.arange(20, dtype=np.uint8) % 10,
    "floats": np.linspace(-1, 1, 60, dtype=np.float32).reshape(3, 4, 5),
    "ints": np.arange(-30, 30, dtype=np.int16),
}


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    name=st.sampled_from(sorted(REAL)),
    compress=st.booleans(),
    regzip=st.booleans(),
    flips=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 7)), max_size=3),
    header=st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from([0, 1, 2, 3, 8, 0x0E, 0x10, 255])),
        max_size=3,
    ),
    size=st.one_of(st.none(), st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 2**31, 2**32 - 1])),
    cut=st.one_of(st.none(), st.integers(0, 1 << 16)),
)
def test_fuzzed_real_files_read_or_raise_idx_error(tmp_path, name, compress, regzip, flips,
                                                   header, size, cut):  # fmt: skip
    """Real-sized files written by write_idx, mutated: header bytes set (dtype code, ndim,
    sizes), a size replaced, bit flips, truncation; gzip files either re-compressed after the
    edit (a valid stream around a lying header) or edited as compressed bytes."""
    path = tmp_path / ("real.idx.gz" if compress else "real.idx")
    write_idx(path, REAL[name])
    data = bytearray(path.read_bytes())
    if compress and regzip:
        data = bytearray(gzip.decompress(bytes(data)))
    for at, value in header:
        data[min(at, len(data) - 1)] = value
    if size is not None:
        data[4:8] = struct.pack(">I", size)
    for at, bit in flips:
        data[at % len(data)] ^= 1 << bit
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    if compress and regzip:
        data = bytearray(gzip.compress(bytes(data), mtime=0))
    path.write_bytes(bytes(data))
    check_read(path)
