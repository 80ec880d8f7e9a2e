"""Graph pictures (to_dot, render) and the narrated backward pass (explain)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.viz import explain, render, to_dot
from likelygrad.viz import graph as graph_mod


def toy() -> dict[str, lg.Tensor]:
    """The notes' graph L(a, b, c) = c(a + 2b): d = 2b, e = a + d, L = c·e."""
    a, b, c = (lg.tensor(v, requires_grad=True, dtype=lg.float64) for v in (2.0, -3.0, 10.0))
    d = 2 * b
    e = a + d
    L = c * e
    nodes = {"a": a, "b": b, "c": c, "d": d, "e": e, "L": L}
    for name, t in nodes.items():
        t.name = name
    return nodes


def mlp() -> tuple[lg.Tensor, dict[str, lg.Tensor]]:
    """A two-layer network's loss in float64; W1 and the hidden layer h are each used twice."""
    rng = np.random.default_rng(0)
    x = lg.tensor(rng.standard_normal((6, 4)))
    p = {
        "W1": lg.tensor(rng.standard_normal((4, 5)), requires_grad=True),
        "b1": lg.tensor(rng.standard_normal(5), requires_grad=True),
        "W2": lg.tensor(rng.standard_normal((5, 3)), requires_grad=True),
    }
    for name, t in p.items():
        t.name = name
    h = (x @ p["W1"] + p["b1"]).tanh()  # h feeds the next layer and an activity penalty
    log_p = (h @ p["W2"]).log_softmax(axis=1)
    nll = -log_p[np.arange(6), np.array([0, 1, 2, 0, 1, 2])].mean()
    return nll + 0.1 * (p["W1"] * p["W1"]).sum() + 0.01 * (h * h).mean(), p


def test_to_dot_shows_every_node_its_op_and_value():
    n = toy()
    dot = to_dot(n["L"])
    assert dot.startswith("digraph") and "rankdir=LR" in dot
    for name in "abcdeL":
        assert f'label="{name} (' in dot
    for op in ("(mul)", "(add)", "(leaf)"):
        assert op in dot
    for value in ("-40", "-4", "-6", "10", "-3", "2"):
        assert re.search(rf'\|value {value}["|]', dot), value
    assert dot.count("->") == 6  # c,e -> L; a,d -> e; 2,b -> d
    assert dot == to_dot(n["L"])  # deterministic


def test_to_dot_shows_grads_and_array_summaries():
    n = toy()
    for t in n.values():
        t.retain_grad()
    n["L"].backward(retain_graph=True)
    assert "grad 20" in to_dot(n["L"])  # dL/db
    n["L"].backward()  # without retain_graph the inputs are released: the picture says so
    assert "freed by backward()" in to_dot(n["L"]) and "->" not in to_dot(n["L"])
    L, _ = mlp()
    dot = to_dot(L)
    assert "(4, 5) float64" in dot and "mean " in dot and "W1 (leaf)" in dot


def test_to_dot_escapes_record_labels():
    x = lg.tensor(1.0, requires_grad=True)
    x.name = 'a{b}|<c> "q" \\'
    dot = to_dot(x * 2)
    assert 'a\\{b\\}\\|\\<c\\> \\"q\\" \\\\' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_to_dot_is_valid_graphviz(tmp_path):
    L, _ = mlp()
    weird = lg.tensor(1.0, requires_grad=True)
    weird.name = 'x{1}|<y> "z" \\ end'
    for root in (toy()["L"], L, weird * weird):
        proc = subprocess.run(["dot", "-Tsvg"], input=to_dot(root).encode(), capture_output=True)
        assert proc.returncode == 0, proc.stderr.decode()
        assert b"<svg" in proc.stdout
    out = render(toy()["L"], tmp_path / "toy.svg")
    assert out.read_bytes().startswith(b"<?xml") and list(tmp_path.iterdir()) == [out]


def test_render_names_what_to_install_when_graphviz_is_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` now fails
    monkeypatch.setattr(graph_mod.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="pip install graphviz") as err:
        render(toy()["L"], tmp_path / "g.png")
    assert "apt-get install graphviz" in str(err.value)
    assert "brew install graphviz" in str(err.value)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="format"):
        render(toy()["L"], tmp_path / "g.jpeg")


def test_explain_prints_the_notes_products():
    n = toy()
    buf = io.StringIO()
    steps = explain(n["L"], file=buf)
    got = [(s.node, s.input, float(s.upstream), float(s.local), float(s.product)) for s in steps]
    assert got == [
        ("L", "c", 1, -4, -4),  # dL/dc = dL/dL · e
        ("L", "e", 1, 10, 10),  # dL/de = dL/dL · c
        ("e", "a", 10, 1, 10),
        ("e", "d", 10, 1, 10),
        ("d", "b", 10, 2, 20),  # dL/db = dL/dd · dd/db = 10 · 2
    ]
    text = buf.getvalue()
    assert "dL/db += dL/dd × dd/db = 10 × 2 = 20" in text
    assert "dL/dc += dL/dL × dL/dc = 1 × -4 = -4" in text
    assert "d = mul(2, b)" in text
    n["L"].backward()
    for leaf in "abc":
        assert f"dL/d{leaf} = {float(n[leaf].grad):g}" in text


def _totals(steps, names):
    out = {}
    for s in steps:
        if s.input in names:
            out[s.input] = out.get(s.input, 0) + s.product
    return out


def test_explain_on_a_tensor_graph_sums_each_leafs_uses_like_backward():
    L, params = mlp()
    buf = io.StringIO()
    steps = explain(L, file=buf)
    assert [s.input for s in steps].count("W1") == 3  # the layer and twice in W1 * W1
    assert all(s.local is None for s in steps if s.product.size > 1)
    assert "vector-Jacobian product" in buf.getvalue() and "‖·‖=" in buf.getvalue()
    totals = _totals(steps, params)
    L.backward()
    for name, p in params.items():
        np.testing.assert_allclose(totals[name], p.grad, rtol=0, atol=1e-12)


def test_explain_seeds_a_non_scalar_output_like_backward():
    x = lg.tensor(np.arange(3.0), requires_grad=True)
    x.name = "x"
    y = x * x + x
    seed = np.array([1.0, -2.0, 0.5])
    steps = explain(y, file=io.StringIO(), grad=seed)
    y.backward(seed)
    np.testing.assert_array_equal(_totals(steps, ["x"])["x"], x.grad)


def test_explain_leaves_grads_and_graph_alone():
    L, params = mlp()
    params["W2"].grad = lg.full((5, 3), 7.0, dtype=lg.float64)
    explain(L, file=io.StringIO())
    assert params["W1"].grad is None and params["b1"].grad is None
    assert bool((params["W2"].grad == 7.0).all())
    assert all(n is not None for n, _ in L.grad_fn.next_functions)
    L.backward()  # the graph is still there to backpropagate through
    assert params["W1"].grad.shape == (4, 5)
    assert np.allclose(
        params["W2"].grad - 7.0, _totals(explain(mlp()[0], io.StringIO()), "W2")["W2"]
    )


def test_explain_errors_say_what_to_do():
    n = toy()
    n["L"].backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        explain(n["L"], file=io.StringIO())
    with pytest.raises(RuntimeError, match="does not require grad"):
        explain(lg.tensor(1.0) * 2, file=io.StringIO())
    with pytest.raises(RuntimeError, match="not a scalar"):
        explain(lg.tensor([1.0, 2.0], requires_grad=True) * 2, file=io.StringIO())


def test_lg_explain_is_wired_and_viz_import_does_not_load_matplotlib():
    code = (
        "import sys, likelygrad as lg; lg.explain; lg.viz.to_dot; "
        "assert 'matplotlib' not in sys.modules, 'viz imported matplotlib'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
