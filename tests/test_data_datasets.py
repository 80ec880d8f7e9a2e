"""Data sets: discovery order, loading from disk, the CSV sets and their fixed splits."""

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import cache, needs_sample

from likelygrad.data import (
    find_dataset,
    list_datasets,
    load_dataset,
    read_label_csv,
    sources,
    write_idx,
)
from likelygrad.data.datasets import fixed_split

IDX_NAMES = [f.name for f in sources.DATASETS["mnist"].files]


def write_set(folder: Path, n_train: int = 12, n_test: int = 5, names=IDX_NAMES) -> list:
    """Four tiny IDX files; the arrays, with labels as written (uint8)."""
    rng = np.random.default_rng(n_train)
    arrays = [
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, n_train, dtype=np.uint8),
        rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, n_test, dtype=np.uint8),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in zip(names, arrays, strict=True):
        write_idx(folder / name, array)
    return arrays


def test_list_and_unknown_name():
    assert list_datasets() == ["mnist", "fashion-mnist", "mnist-sample", "digits"]
    with pytest.raises(ValueError, match="unknown dataset 'cifar'.*mnist, fashion-mnist"):
        load_dataset("cifar")


@pytest.mark.parametrize("layout", ["data_dir/mnist", "data_dir", "env/mnist", "env", "cache"])
def test_each_search_location(home, tmp_path, monkeypatch, layout):
    root = tmp_path / "root"
    folder = {"cache": cache(home)}.get(layout, root / "mnist" if "/" in layout else root)
    x_train, y_train, x_test, y_test = write_set(folder)
    if layout.startswith("env"):
        monkeypatch.setenv("LIKELYGRAD_DATA", str(root))
    ds = load_dataset("mnist", data_dir=root if layout.startswith("data_dir") else None)
    assert ds.name == "mnist" and ds.source == str(folder)
    np.testing.assert_array_equal(ds.x_train, x_train)
    np.testing.assert_array_equal(ds.y_test, y_test)
    assert ds.y_train.dtype == np.int64 and ds.x_test.dtype == np.uint8
    assert ds.image_shape == (28, 28) and ds.num_classes == 10


def test_precedence_and_partial_folders(home, tmp_path, monkeypatch):
    data_dir, env = tmp_path / "given", tmp_path / "env"
    write_set(data_dir / "mnist", n_train=3)
    write_set(env / "mnist", n_train=4)
    write_set(cache(home), n_train=5)
    monkeypatch.setenv("LIKELYGRAD_DATA", str(env))
    assert len(load_dataset("mnist", data_dir=data_dir).x_train) == 3
    assert len(load_dataset("mnist").x_train) == 4
    (env / "mnist" / IDX_NAMES[3]).unlink()  # a partial folder is skipped, and reported
    assert len(load_dataset("mnist").x_train) == 5
    location = find_dataset("mnist")
    assert location.found and location.folder == cache(home)
    assert f"{env / 'mnist'} ($LIKELYGRAD_DATA): 3 of 4 files, missing {IDX_NAMES[3]}" in str(
        location
    )


def test_xdg_cache_home_is_honoured(home, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    write_set(tmp_path / "xdg" / "likelygrad" / "fashion-mnist")
    assert load_dataset("fashion-mnist", download=False).source.startswith(str(tmp_path / "xdg"))


@pytest.mark.parametrize("spelling", ["gunzipped", "kaggle"])
def test_other_spellings_of_the_file_names(home, tmp_path, spelling):
    stems = [n[: -len(".gz")] for n in IDX_NAMES]
    names = stems if spelling == "gunzipped" else [s.replace("-idx", ".idx") for s in stems]
    _, y_train, _, _ = write_set(tmp_path / "d", names=names)
    np.testing.assert_array_equal(load_dataset("mnist", tmp_path / "d").y_train, y_train)


def test_broken_files_are_reported_by_name(home, tmp_path):
    write_set(tmp_path / "d")
    (tmp_path / "d" / IDX_NAMES[2]).write_bytes(b"\x00\x00\x08\x01garbage")
    with pytest.raises(ValueError, match=IDX_NAMES[2]):
        load_dataset("mnist", tmp_path / "d")
    write_set(tmp_path / "e")
    write_idx(tmp_path / "e" / IDX_NAMES[1], np.zeros(11, dtype=np.uint8))
    with pytest.raises(ValueError, match="holds 12 images but .* holds 11 labels"):
        load_dataset("mnist", tmp_path / "e")
    write_idx(tmp_path / "e" / IDX_NAMES[1], np.full(12, 10, dtype=np.uint8))
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        load_dataset("mnist", tmp_path / "e")


@needs_sample
def test_mnist_sample_split():
    ds = load_dataset("mnist-sample")
    assert ds.x_train.shape == (4000, 28, 28) and ds.x_test.shape == (1000, 28, 28)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert np.bincount(ds.y_train).tolist() == [400] * 10
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert ds.y_train[:10].tolist() == list(range(10))
    assert 0 < ds.x_train.mean() < 60 and ds.x_train.max() == 255
    # Train and test are disjoint: no image appears in both.
    train = {row.tobytes() for row in ds.x_train}
    assert not any(row.tobytes() in train for row in ds.x_test)


def test_digits_match_the_csv_load_digits_reads():
    path = sources._package_data("sklearn", "datasets/data/digits.csv.gz")
    if path is None or not path.is_file():
        pytest.skip("scikit-learn not installed")
    ds = load_dataset("digits")
    reference = np.loadtxt(path, delimiter=",")  # exactly what load_digits does
    train, test = fixed_split(reference[:, -1].astype(int), shuffle_seed=0)
    np.testing.assert_array_equal(ds.y_test, reference[test, -1])
    pixels = np.rint(ds.x_train.reshape(-1, 64) / 255 * 16)  # undo the 255/16 scaling
    np.testing.assert_array_equal(pixels, reference[train, :-1])
    assert ds.image_shape == (8, 8) and len(ds.x_train) + len(ds.x_test) == 1797


def test_fixed_split_is_stratified_and_complete():
    labels = np.repeat(np.arange(3), [10, 7, 4])
    train, test = fixed_split(labels)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(21))
    assert np.bincount(labels[test], minlength=3).tolist() == [2, 1, 0]
    assert labels[train][:3].tolist() == [0, 1, 2]
    assert set(test.tolist()) == {8, 9, 16}  # the last rows of each class


@pytest.mark.parametrize(
    "text, match",
    [(b"1,2,3\n", "do not form rows of 5"), (b"1,2,3.5,4,1\n", "not a CSV of integers")],
)
def test_label_csv_errors_name_the_file(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_bytes(text)
    with pytest.raises(ValueError, match=match) as info:
        read_label_csv(path, side=2, max_value=255)
    assert str(path) in str(info.value)


FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not FASHION.is_dir(), reason="Debian's dataset-fashion-mnist not installed")
def test_fashion_mnist_from_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("LIKELYGRAD_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    ds = load_dataset("fashion-mnist", download=False)
    assert ds.source == str(FASHION)
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert np.bincount(ds.y_test).tolist() == [1000] * 10
    assert ds.class_names[9] == "Ankle boot"
    assert os.fspath(find_dataset("fashion-mnist").folder) == str(FASHION)
