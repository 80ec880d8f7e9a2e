"""A small torchvision stand-in: ``datasets.MNIST``/``FashionMNIST``, basic ``transforms``, and
``utils.make_grid``/``save_image``.

    >>> from likelygrad.vision import datasets, transforms
    >>> tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    >>> train = datasets.MNIST("data", train=True, download=True, transform=tf)

Images are NumPy arrays, not PIL images.
"""

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
