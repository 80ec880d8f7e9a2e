"""`likelygrad predict` on PNG files: every bit depth and colour type, and broken files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likelygrad.cli import main
from likelygrad.cli.images import read_png

Image = pytest.importorskip("PIL.Image")


def png(pixels: np.ndarray, depth: int, colour: int = 0) -> bytes:
    """A PNG written by hand, so that every bit depth the format allows can be tested."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    h, w = pixels.shape[:2]
    rows = []
    for row in pixels.reshape(h, -1):
        if depth == 16:
            rows.append(b"\0" + row.astype(">u2").tobytes())
        elif depth == 8:
            rows.append(b"\0" + row.astype(np.uint8).tobytes())
        else:
            bits = "".join(format(int(v), f"0{depth}b") for v in row)
            bits += "0" * (-len(bits) % 8)
            rows.append(b"\0" + int(bits, 2).to_bytes(len(bits) // 8, "big"))
    header = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))  # fmt: skip


def digit(seed: int = 0) -> np.ndarray:
    """A light stroke on a dark 28×28 background, values 0..255."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 40, (28, 28))
    a[6:22, 12:16] = rng.integers(200, 256, (16, 4))
    return a.astype(np.uint8)


def read(tmp_path: Path, data: bytes) -> tuple[np.ndarray, list[str]]:
    path = tmp_path / "d.png"
    path.write_bytes(data)
    notes: list[str] = []
    return read_png(path, (28, 28), notes.append)[0], notes


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_16_bit_grey_is_rescaled_exactly(tmp_path, seed):
    a = digit(seed % 1000)
    got, notes = read(tmp_path, png(a.astype(np.uint32) * 257, 16))  # 0..65535
    np.testing.assert_array_equal(got, a)
    assert notes == ["d.png: 16-bit grey levels rescaled to 0..255"]


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_low_bit_depths_are_rescaled(tmp_path, depth):
    top = (1 << depth) - 1
    a = np.zeros((28, 28), np.int64)
    a[:, :7] = top  # a quarter of the image at the largest level: light on dark
    got, notes = read(tmp_path, png(a, depth))
    assert got[:, :7].min() == 255 and got[:, 7:].max() == 0
    assert notes == [f"d.png: {depth}-bit grey levels rescaled to 0..255"]


def test_colour_transparency_and_size_are_converted_and_said(tmp_path):
    rgba = np.zeros((56, 56, 4), np.uint8)  # transparent everywhere
    rgba[12:44, 24:32] = (0, 0, 0, 255)  # an opaque black stroke: dark on a "white" sheet
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG")
    got, notes = read(tmp_path, buf.getvalue())
    assert notes == [
        "d.png: RGBA image converted to 8-bit grey",
        "d.png: transparent pixels taken as a white background",
        "d.png: resized from 56×56 to 28×28, the model's input",
        "d.png: light background, inverting to MNIST's light-on-dark",
    ]
    assert got[8:20, 13:15].min() == 255 and got[:, :8].max() == 0  # a light stroke on black


def test_an_8_bit_grey_image_of_the_right_size_is_read_as_is(tmp_path):
    a = digit()
    got, notes = read(tmp_path, png(a, 8))
    np.testing.assert_array_equal(got, a)
    assert notes == []


def test_a_huge_header_is_refused_before_decoding(tmp_path):
    data = bytearray(png(digit(), 8))
    data[16:24] = struct.pack(">II", 100_000, 100_000)
    with pytest.raises(ValueError, match=r"d.png: a 100000×100000 image; predict reads up to"):
        read(tmp_path, bytes(data))


VALID = png(digit(), 8)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edit=st.one_of(
        st.tuples(st.just("cut"), st.integers(0, len(VALID) - 1)),
        st.tuples(st.just("flip"), st.integers(0, 8 * len(VALID) - 1)),
        st.tuples(st.just("byte"), st.integers(8, 33), st.integers(0, 255)),  # header fields
    )
)
def test_a_damaged_png_reads_or_fails_with_one_line_naming_the_file(tmp_path, edit):
    data = bytearray(VALID)
    if edit[0] == "cut":
        data = data[: edit[1]]
    elif edit[0] == "flip":
        data[edit[1] // 8] ^= 1 << (edit[1] % 8)
    else:
        data[edit[1]] = edit[2]
    try:
        got, _ = read(tmp_path, bytes(data))
    except ValueError as e:
        assert str(e).startswith(f"{tmp_path / 'd.png'}: ") and "\n" not in str(e), str(e)
    else:
        assert got.shape == (28, 28) and got.dtype == np.uint8


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from synthetic import write_mnist

    folder = tmp_path_factory.mktemp("predict")
    data = write_mnist(folder / "mnist", n_train=300, n_test=50)
    args = ["train", "--data-dir", data, "--model", "logreg", "--epochs", "2", "--out",
            folder / "run", "--quiet", "--no-plots"]  # fmt: skip
    assert main([str(a) for a in args]) == 0
    return next((folder / "run").glob("checkpoint.*"))


def test_predict_on_a_broken_png_is_one_line(capsys, tmp_path, checkpoint):
    bad = tmp_path / "bad.png"
    bad.write_bytes(VALID[:60])
    assert main(["predict", str(checkpoint), str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"likelygrad predict: error: {bad}: ") and err.count("\n") == 1, err


def test_predict_reports_the_conversion_and_predicts_like_8_bits(capsys, tmp_path, checkpoint):
    from synthetic import digits

    images, _ = digits(4, 2)
    for bits, values in ((8, images[0]), (16, images[0].astype(np.uint32) * 257)):
        (tmp_path / f"{bits}.png").write_bytes(png(values, bits))
    assert main(["predict", str(checkpoint), str(tmp_path / "8.png")]) == 0
    eight = capsys.readouterr().out.replace("8.png", "")
    assert main(["predict", str(checkpoint), str(tmp_path / "16.png")]) == 0
    out, err = capsys.readouterr()
    assert out.replace("16.png", "") == eight  # the same probabilities
    assert "16.png: 16-bit grey levels rescaled to 0..255" in err
