"""The README's tour runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from likelygrad.data import find_dataset

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_tour_runs(capsys):
    first = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)[0]
    namespace: dict = {}
    exec(compile(first, str(README), "exec"), namespace)
    assert (namespace["a"].grad, namespace["b"].grad, namespace["c"].grad) == (10.0, 20.0, -4.0)
    model, x, y = namespace["model"], namespace["x"], namespace["y"]
    log_lik = namespace["Categorical"](logits=model(x)).log_prob(y).mean()
    assert namespace["loss"].item() == -log_lik.item()
    assert "dL/dleaf6 = 20" in capsys.readouterr().out


def _block(containing: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    (found,) = [b for b in blocks if containing in b]
    return found


def test_readme_cnn_block_runs(tmp_path, monkeypatch):
    """The convolutional network trains PyTorch's way on MNIST (mnist-sample offline)."""
    if not (find_dataset("mnist").found or find_dataset("mnist-sample").found):
        pytest.skip("neither MNIST nor mnist-sample is on this machine")
    code = _block("nn.Conv2d").replace(
        "DataLoader(train, batch_size=128, shuffle=True)",
        "itertools.islice(DataLoader(train, batch_size=128, shuffle=True), 3)",
    )
    assert "itertools.islice" in code
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    tour = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)[0]
    exec(compile("import itertools\n" + tour + code, str(README), "exec"), namespace)
    assert namespace["loss"].item() > 0 and namespace["model"][0].weight.grad is not None


def test_readme_fit_block_runs(tmp_path, monkeypatch):
    if not find_dataset("fashion-mnist").found:
        pytest.skip("Fashion-MNIST is not on this machine")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = _block("fit(").replace("epochs=5", "epochs=1")
    monkeypatch.chdir(tmp_path)  # the block writes run.safetensors
    namespace: dict = {}
    exec(compile(blocks[0] + code, str(README), "exec"), namespace)
    assert len(namespace["history"]) == 1 and (tmp_path / "run.safetensors").exists()
