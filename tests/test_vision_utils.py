"""vision.utils: make_grid tiles as torchvision does; save_image writes a PNG of the grid.

The expected grids were checked against torchvision 0.28's make_grid (equal to 1e-6 on random
batches, every option) and its save_image (the same pixels)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.vision.utils import make_grid, png_bytes, save_image


def test_grid_places_each_image_in_its_cell_with_padding():
    images = lg.arange(1.0, 6.0).view(5, 1, 1, 1).expand(5, 1, 2, 3)  # image k is all k+1
    grid = make_grid(images, nrow=3, padding=1, pad_value=-1.0).numpy()
    assert grid.shape == (3, 1 + 2 * 3, 1 + 3 * 4)  # 3 channels (grey made RGB), 2 rows of 3
    assert np.array_equal(grid[0], grid[2])
    cell = grid[0]
    assert np.array_equal(cell[1:3, 1:4], np.full((2, 3), 1.0))  # image 0, top left
    assert np.array_equal(cell[4:6, 5:8], np.full((2, 3), 5.0))  # image 4, second row
    assert (cell[0] == -1).all() and (cell[:, 4] == -1).all()  # padding between cells
    assert (cell[4:6, 9:12] == -1).all()  # the empty sixth cell


def test_one_image_comes_back_alone_and_normalize_rescales():
    one = lg.tensor([[[0.0, 2.0], [4.0, 8.0]]])
    assert make_grid(one).shape == (3, 2, 2)
    scaled = make_grid(lg.stack([one, one * 2]), normalize=True, padding=0).numpy()
    assert scaled.min() == 0.0 and scaled.max() == 1.0 and scaled[0, 0, 1] == pytest.approx(0.125)
    each = make_grid([one, one * 2], normalize=True, scale_each=True, padding=0).numpy()
    assert np.allclose(each[0, :, :2], each[0, :, 2:])  # each image to its own [0, 1]
    with pytest.raises(TypeError, match="list of tensors"):
        make_grid(np.zeros((2, 1, 3, 3)))


def test_save_image_writes_the_grid_as_a_png(tmp_path):
    matplotlib_image = pytest.importorskip("matplotlib.image")
    values = lg.rand(4, 1, 5, 6)
    save_image(values, tmp_path / "grid.png", nrow=2)
    read = matplotlib_image.imread(tmp_path / "grid.png")  # floats in [0, 1]
    expected = np.floor(make_grid(values, nrow=2).numpy() * 255 + 0.5) / 255
    assert read.shape == (16, 18, 3) and np.allclose(read, expected.transpose(1, 2, 0))
    buffer = io.BytesIO()
    save_image(values[0], buffer)
    assert buffer.getvalue().startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match="PNG files only"):
        save_image(values, tmp_path / "grid.jpg")
    with pytest.raises(ValueError, match="uint8"):
        png_bytes(np.zeros((2, 2, 2), np.uint8))
