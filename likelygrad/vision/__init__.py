"""A small torchvision stand-in: ``datasets.MNIST``/``FashionMNIST`` and basic ``transforms``.

    >>> from likelygrad.vision import datasets, transforms
    >>> tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    >>> train = datasets.MNIST("data", train=True, download=True, transform=tf)

Images are NumPy arrays, not PIL images.
"""

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
