"""Download a file atomically and verify its digest, with the standard library only.

A download streams into a hidden temporary file next to its destination, hashing as it goes;
only a complete file whose digest matches is fsynced and moved into place with ``os.replace``
(``likelygrad.atomic.atomic_write`` does the file handling).
Any failure (network error, short read, digest mismatch, Ctrl-C) deletes the temporary file,
so the destination either holds the verified file or nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import sys
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..atomic import atomic_write

MIRROR_ENV = "LIKELYGRAD_MIRROR"
_BLOCK = 1 << 16


@dataclass(frozen=True)
class RemoteFile:
    """A file known by name, digest (``"sha256:<hex>"`` or ``"md5:<hex>"``) and size in bytes."""

    name: str
    digest: str
    size: int | None = None

    @property
    def algorithm(self) -> str:
        return self.digest.split(":", 1)[0]

    @property
    def hexdigest(self) -> str:
        return self.digest.split(":", 1)[1].lower()


class ChecksumError(ValueError):
    """A mirror sent bytes whose digest or size is not the expected one."""


class DownloadError(OSError):
    """Every URL for a file failed; ``failures`` holds ``(url, exception)`` for each."""

    def __init__(self, name: str, failures: list[tuple[str, BaseException]]):
        self.name = name
        self.failures = failures
        lines = "\n".join(f"  {_with_url(url, err)}" for url, err in failures) or "  (no mirrors)"
        super().__init__(f"could not download {name}:\n{lines}")

    @property
    def corrupt(self) -> bool:
        """True when some mirror answered with the wrong bytes (not merely unreachable).

        Only a ``ChecksumError`` counts: urllib raises a plain ``ValueError`` for a malformed
        URL (a mirror without ``https://``, say), which is a reachability problem.
        """
        return any(isinstance(err, ChecksumError) for _, err in self.failures)


def _with_url(url: str, err: BaseException) -> str:
    text = str(err)
    return text if text.startswith(url) else f"{url}: {text}"


def mirror_bases(defaults: Sequence[str], mirrors: Sequence[str] | None = None) -> list[str]:
    """The base URLs to try: ``mirrors`` if given, else ``$LIKELYGRAD_MIRROR``, else defaults.

    ``$LIKELYGRAD_MIRROR`` holds one or more base URLs separated by spaces or commas.
    """
    if mirrors is not None:
        return list(mirrors)
    env = os.environ.get(MIRROR_ENV, "").strip()
    return [b for b in re.split(r"[\s,]+", env) if b] if env else list(defaults)


def file_urls(bases: Sequence[str], dataset: str, filename: str) -> list[str]:
    """One URL per base; ``{name}`` in a base becomes the dataset name (one env var, many sets)."""
    return [b.replace("{name}", dataset).rstrip("/") + "/" + filename for b in bases]


class _Progress:
    """A tqdm bar on an interactive stderr, else a start and an end line (or silence)."""

    def __init__(self, url: str, total: int | None, verbose: bool):
        self.bar = None
        self.verbose = verbose
        if not verbose:
            return
        if sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                name = url.rsplit("/", 1)[-1]
                self.bar = tqdm(total=total, unit="B", unit_scale=True, desc=name, leave=False)
                return
        print(f"downloading {url}", file=sys.stderr, flush=True)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self, received: int) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.verbose:
            print(f"  received {received:,} bytes", file=sys.stderr, flush=True)


def _stream(url: str, out: IO, expected: RemoteFile, timeout: float, verbose: bool) -> str:
    """Copy url into the open file ``out``; return the hex digest of what was received."""
    h = hashlib.new(expected.algorithm, usedforsecurity=False)  # allows md5 on FIPS systems
    request = urllib.request.Request(url, headers={"User-Agent": "likelygrad"})
    # ``timeout`` bounds every socket operation, so a server that stalls cannot hang us.
    with urllib.request.urlopen(request, timeout=timeout) as response:
        header = response.headers.get("Content-Length", "")
        total = int(header) if header.isdigit() else None
        limit = expected.size
        if total is not None and limit is not None and total > limit:
            raise ChecksumError(f"{url}: server offers {total} bytes, {expected.name} has {limit}")
        progress = _Progress(url, total, verbose)
        received = 0
        try:
            while chunk := response.read(_BLOCK):
                received += len(chunk)
                if limit is not None and received > limit:  # never let a mirror fill the disk
                    raise ChecksumError(
                        f"{url}: sent more than the {limit} bytes of {expected.name}"
                    )
                h.update(chunk)
                out.write(chunk)
                progress.update(len(chunk))
        finally:
            progress.close(received)
    # http.client returns a short body without complaint when the peer closes early.
    if total is not None and received != total:
        raise ConnectionError(f"{url}: connection closed after {received} of {total} bytes")
    return h.hexdigest()


def download_file(
    url: str,
    dest: str | os.PathLike,
    expected: RemoteFile,
    timeout: float = 30.0,
    verbose: bool = True,
) -> Path:
    """Download url to dest atomically, checking ``expected.digest``; return dest.

    Raises ``ChecksumError`` (a ``ValueError`` naming the file and both digests) on a mismatch,
    and ``OSError``, ``http.client.HTTPException`` or ``ValueError`` (a malformed URL) for the
    failures to fetch it; nothing is left behind in either case.
    """
    dest = Path(dest)
    created = not dest.parent.exists()
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_write(dest) as out:  # raising inside deletes the temporary file
            got = _stream(url, out, expected, timeout, verbose)
            if got != expected.hexdigest:
                raise ChecksumError(
                    f"{url}: checksum mismatch for {expected.name}: expected "
                    f"{expected.algorithm} {expected.hexdigest}, got {got}"
                )
    except BaseException:
        if created:  # and the folder made for it, unless something else appeared there
            with contextlib.suppress(OSError):
                dest.parent.rmdir()
        raise
    return dest


def download_first(
    urls: Sequence[str],
    dest: str | os.PathLike,
    expected: RemoteFile,
    timeout: float = 30.0,
    verbose: bool = True,
) -> Path:
    """Try each URL in turn until one downloads and verifies; else raise ``DownloadError``."""
    failures: list[tuple[str, BaseException]] = []
    for url in urls:
        try:
            return download_file(url, dest, expected, timeout=timeout, verbose=verbose)
        except (OSError, http.client.HTTPException, ValueError) as e:
            failures.append((url, e))
            if verbose:
                print(f"  failed: {_with_url(url, e)}", file=sys.stderr, flush=True)
    raise DownloadError(expected.name, failures)
