"""Fixtures shared by the data tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from likelygrad.data import sources


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty home and no system folders: only what a test puts there can be found."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("XDG_CACHE_HOME", "LIKELYGRAD_DATA", "LIKELYGRAD_MIRROR"):
        monkeypatch.delenv(var, raising=False)
    for name in ("mnist", "fashion-mnist"):
        spec = dataclasses.replace(sources.DATASETS[name], system_dirs=(str(tmp_path / "sys"),))
        monkeypatch.setitem(sources.DATASETS, name, spec)
    return tmp_path / "home"


def cache(home: Path, name: str = "mnist") -> Path:
    """Where downloads of `name` land under the `home` fixture."""
    return home / ".cache" / "likelygrad" / name
