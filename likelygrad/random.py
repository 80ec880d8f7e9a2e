"""Random number generators: one global generator per device, `manual_seed`, `Generator`.

Every random draw in likelygrad (initializers, dropout, sampling, shuffling) comes from the
generator of the device it is made for: the CPU's is a NumPy `Generator` (seeded with 0 until
`manual_seed`), a GPU's is its backend's own (CuPy's), drawing on the device. `lg.manual_seed(s)`
reseeds all of them. An explicit `generator=` (an `lg.Generator` or a NumPy one) draws on the host,
and the values are moved to the device.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Made on first use: `numpy.random` (and the hashlib it pulls in) costs ~10 ms of import time.
_generators: dict[str, np.random.Generator] = {}
_initial_seed = 0


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generators of every device; returns the CPU's (a NumPy Generator)."""
    global _initial_seed
    seed = int(seed)
    if seed < 0:
        raise RuntimeError(f"manual_seed: the seed must be non-negative, got {seed}")
    _initial_seed = seed
    _generators.clear()
    return default_generator()


def initial_seed() -> int:
    """The seed the global generators were last seeded with."""
    return _initial_seed


def seed() -> int:
    """Seed the global generators from the operating system's entropy; returns the seed."""
    s = int(np.random.SeedSequence().entropy) % 2**63  # type: ignore[arg-type]
    manual_seed(s)
    return s


def default_generator(device: Any = None) -> Any:
    """The global generator of `device` (the CPU's, a NumPy Generator, by default)."""
    key = "cpu" if device is None else str(device)
    g = _generators.get(key)
    if g is None:
        if key == "cpu":
            g = np.random.default_rng(_initial_seed)
        else:
            from .backend import as_device, backend_for

            d = as_device(device)
            g = backend_for(d).generator(_initial_seed, d)
        _generators[key] = g
    return g


def draw(
    kind: str, shape: tuple[int, ...], dtype: Any, device: Any = None, generator: Any = None
) -> Any:
    """`kind` ('random' for U[0, 1), 'standard_normal') samples as an array on `device`."""
    from .backend import CPU, backend_for
    from .devices import device_or_default

    d = device_or_default(device)
    if generator is None and d != CPU:
        return getattr(default_generator(d), kind)(shape, dtype=dtype)
    values = getattr(numpy_rng(generator), kind)(shape, dtype=dtype)
    return values if d == CPU else backend_for(d).asarray(values, device=d)


def get_rng_state() -> dict[str, Any]:
    """The CPU generator's state (a dict; restore it with `set_rng_state`)."""
    return default_generator().bit_generator.state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the CPU generator's state from `get_rng_state()`."""
    default_generator().bit_generator.state = state


class Generator:
    """A generator object with PyTorch's methods, for `generator=` arguments.

    `lg.Generator().manual_seed(0)` returns the generator, as in torch. Anywhere a `generator=`
    is taken, a NumPy `np.random.Generator` works too.
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self._seed = 67280421310721  # torch's default seed for a new Generator
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed; returns self."""
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy) % 2**63)  # type: ignore[arg-type]
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict[str, Any]:
        return dict(self.rng.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> Generator:
        self.rng.bit_generator.state = state
        return self


def numpy_rng(generator: Any = None, device: Any = None) -> np.random.Generator:
    """The NumPy generator behind a `generator=` argument (None: the device's global one)."""
    if generator is None:
        return default_generator(device)
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"generator must be an lg.Generator or a numpy Generator, got {type(generator).__name__}"
    )
