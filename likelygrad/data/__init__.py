"""Data: the IDX file format, named data sets (MNIST and friends), batching, preprocessing.

    >>> from likelygrad.data import load_dataset, preprocess, DataLoader
    >>> ds = load_dataset("mnist")                     # uint8 (N, 28, 28), int64 labels
    >>> x_train, stats = preprocess(ds.x_train, "standardize")
    >>> x_test, _ = preprocess(ds.x_test, "standardize", stats=stats)
    >>> for xb, yb in DataLoader(x_train, ds.y_train, batch_size=128): ...

Only NumPy is required; tqdm, when installed, draws the download progress bar.
"""

from .datasets import Dataset, load_dataset, read_label_csv
from .download import ChecksumError, DownloadError, RemoteFile, download_file
from .idx import IDXError, read_idx, write_idx
from .loader import DataLoader, preprocess, standardize, to_float
from .sources import DatasetLocation, cache_dir, find_dataset, list_datasets

__all__ = [
    "ChecksumError",
    "DataLoader",
    "Dataset",
    "DatasetLocation",
    "DownloadError",
    "IDXError",
    "RemoteFile",
    "cache_dir",
    "download_file",
    "find_dataset",
    "list_datasets",
    "load_dataset",
    "preprocess",
    "read_idx",
    "read_label_csv",
    "standardize",
    "to_float",
    "write_idx",
]
