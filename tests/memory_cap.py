"""A cap on the address space a block of code may add, so an over-allocation fails a test
with MemoryError instead of exhausting the machine (Linux; elsewhere no cap is applied)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def _mapped_bytes() -> int | None:
    """The process's virtual size now, from /proc (None where there is no /proc)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


@contextlib.contextmanager
def memory_cap(extra_bytes: int = 512 << 20) -> Iterator[None]:
    """Lower RLIMIT_AS to the current virtual size plus `extra_bytes`; restore it on exit."""
    try:
        import resource
    except ImportError:  # not on this platform
        yield
        return
    now = _mapped_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if now is None:
        yield
        return
    cap = now + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
