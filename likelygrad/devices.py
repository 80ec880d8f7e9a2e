"""Devices with PyTorch's words: `device("cpu")`, `device("cuda", 0)`, "cuda:1"."""

from __future__ import annotations

from typing import Any


class device:  # noqa: N801 (PyTorch's name)
    """Where a tensor's data lives: `device("cpu")`, `device("cuda")`, `device("cuda:1")`."""

    type: str
    index: int | None
    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        spec = type
        if isinstance(spec, device):
            kind, index = spec.type, spec.index if index is None else index
        elif not isinstance(spec, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got {spec!r}")
        else:
            kind, _, num = spec.partition(":")
            if num:
                if not num.isdigit() or index is not None:
                    raise RuntimeError(f"Invalid device string: '{spec}'")
                index = int(num)
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {kind}"
            )
        self.type, self.index = kind, index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def as_device(d: Any) -> device:
    """A device from a device, a string, an int (a CUDA index, as torch) or None (the CPU)."""
    if d is None:
        return CPU
    if isinstance(d, device):
        return d
    if isinstance(d, int):
        return device("cuda", d)
    return device(d)


_default = [CPU]  # where factory functions put a tensor given no device (torch's default device)


def set_default_device(d: Any) -> None:
    """Make factory functions (`zeros`, `randn`, `tensor`...) given no device= create on `d`
    (torch.set_default_device; None restores the CPU)."""
    _default[0] = as_device(d)


def get_default_device() -> device:
    """The device factory functions use when given none (the CPU unless changed)."""
    return _default[0]


def device_or_default(d: Any) -> device:
    """`d` as a device, or the default device when it is None."""
    return _default[0] if d is None else as_device(d)
