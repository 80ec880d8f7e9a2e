"""MNIST and Fashion-MNIST with torchvision's interface, read by ``likelygrad.data``.

``MNIST(root, train=True, transform=None, target_transform=None, download=False)`` returns
``(image, label)`` pairs: the image an H×W uint8 NumPy array (torchvision gives a PIL image) or
what ``transform`` makes of it, the label a Python int. The files are found as
``likelygrad.data.load_dataset`` finds them: torchvision's layout ``root/MNIST/raw`` first, then
``root/mnist`` and ``root``, then ``$LIKELYGRAD_DATA``, the cache and the environment; with
``download=True`` a missing set is downloaded into ``root/mnist``. When MNIST is nowhere and
cannot be downloaded, ``load_dataset`` falls back to ``mnist-sample`` (4,000 train / 1,000 test
real digits) and says so on stderr; ``dataset.source`` then reads ``"mnist-sample"``.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..buffers import BufferPool, checked_indices, take_rows
from ..creation import from_numpy
from ..data import load_dataset
from ..tensor import Tensor
from ..utils.data.dataset import Dataset
from .transforms import batch_transform


class MNIST(Dataset):
    """The MNIST digits: 60,000 training or 10,000 test images of 28×28 and their labels."""

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]  # fmt: skip
    _name = "mnist"  # likelygrad.data's name for the set

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
    ) -> None:
        self.root = os.path.expanduser(root) if isinstance(root, str) else root
        self.train, self.transform, self.target_transform = train, transform, target_transform
        torchvision_layout = Path(self.root) / type(self).__name__ / "raw"
        folder = torchvision_layout if torchvision_layout.is_dir() else Path(self.root)
        found = load_dataset(self._name, data_dir=folder, download=download)
        self.source = found.name
        images, labels = (found.x_train, found.y_train) if train else (found.x_test, found.y_test)
        self._images, self._labels = images, labels.astype(np.int64, copy=False)
        self.data, self.targets = from_numpy(self._images), from_numpy(self._labels)
        self._scratch, self._outputs, self._label_buffers = BufferPool(), BufferPool(), BufferPool()

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        i = operator.index(index)
        img: Any = self._images[i].copy()  # the dataset's own array is never handed out
        target: Any = int(self._labels[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self._images)

    @property
    def __getbatch__(self) -> Callable[[np.ndarray], list[Tensor]] | None:
        """The batch in one go when the transforms allow it (see ``transforms``)."""
        run = batch_transform(self.transform)
        if run is None or self.target_transform is not None:
            return None

        def gather(indices: np.ndarray) -> list[Tensor]:
            idx = checked_indices(indices, len(self._images))
            if self.transform is None:  # the uint8 images themselves
                images = take_rows(self._images, idx, self._outputs)
            else:  # uint8 rows in scratch space, transformed into the batch's own array
                images = run(take_rows(self._images, idx, self._scratch), self._outputs)
            labels = take_rows(self._labels, idx, self._label_buffers)
            return [from_numpy(images), from_numpy(labels)]

        return gather

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name -> label."""
        return {name: i for i, name in enumerate(self.classes)}

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {split}"]  # fmt: skip
        if self.source != self._name:
            lines.append(f"    Source: {self.source} (fallback)")
        # torchvision's StandardTransform block: only its first line is indented
        for head, t in (
            ("Transform: ", self.transform),
            ("Target transform: ", self.target_transform),
        ):
            if t is not None:
                if "    StandardTransform" not in lines:
                    lines.append("    StandardTransform")
                lines.append(head + repr(t).replace("\n", "\n" + " " * len(head)))
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28×28 grey images of ten kinds of clothing."""

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]  # fmt: skip
    _name = "fashion-mnist"
