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


def test_readme_fit_block_runs(tmp_path, monkeypatch):
    if not find_dataset("fashion-mnist").found:
        pytest.skip("Fashion-MNIST is not on this machine")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = blocks[1].replace("epochs=5", "epochs=1")
    monkeypatch.chdir(tmp_path)  # the block writes run.safetensors
    namespace: dict = {}
    exec(compile(blocks[0] + code, str(README), "exec"), namespace)
    assert len(namespace["history"]) == 1 and (tmp_path / "run.safetensors").exists()
