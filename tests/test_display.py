"""Rich display in notebooks: graphs, modules and tensors as Jupyter shows them."""

from __future__ import annotations

import shutil

import pytest

import likelygrad as lg
from likelygrad import nn
from likelygrad.viz import graph, notebook

TOY_TEXT = """\
L = mul(c, add2)   value -40
c (leaf)   value 10   grad -4
add2 = add(a, mul4)   value -4
a (leaf)   value 2   grad 10
mul4 = mul(2, b)   value -6
b (leaf)   value -3   grad 20"""


ALIVE: list = []  # the graph shows a leaf's gradient while the leaf tensor is alive


def toy() -> lg.Tensor:
    a, b, c = (lg.tensor(v, requires_grad=True) for v in (2.0, -3.0, 10.0))
    ALIVE.extend((a, b, c))
    a.name, b.name, c.name = "a", "b", "c"
    L = c * (a + 2 * b)
    L.name = "L"
    L.backward(retain_graph=True)
    return L


def has_graphviz() -> bool:
    try:
        graph._graphviz_bytes("digraph { a }", "svg")
    except RuntimeError:
        return False
    return True


def test_to_dot_is_still_the_dot_text():
    dot = lg.viz.to_dot(toy())
    assert isinstance(dot, str) and isinstance(dot, notebook.DotSource)
    assert dot.startswith("digraph likelygrad {") and dot.source == str(dot)
    assert dot.text == TOY_TEXT


def test_without_graphviz_the_notebook_shows_readable_text(monkeypatch):
    def missing(dot, fmt):
        raise RuntimeError("no dot")

    monkeypatch.setattr(graph, "_graphviz_bytes", missing)
    dot = lg.viz.to_dot(toy())
    assert dot._repr_svg_() is None
    assert dot._repr_mimebundle_() == {"text/plain": TOY_TEXT}


@pytest.mark.skipif(not has_graphviz(), reason="Graphviz's dot is not installed")
def test_with_graphviz_the_notebook_shows_svg():
    bundle = lg.viz.to_dot(toy())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "L (mul)" in bundle["image/svg+xml"]
    assert bundle["text/plain"] == TOY_TEXT


@pytest.mark.parametrize("drawn", [True, False])
def test_what_ipython_displays(monkeypatch, drawn):
    formatters = pytest.importorskip("IPython.core.formatters")

    def render(dot, fmt):
        if not drawn:
            raise RuntimeError("no dot")
        return b"<svg>drawn</svg>"

    monkeypatch.setattr(graph, "_graphviz_bytes", render)
    data, _ = formatters.DisplayFormatter().format(lg.viz.to_dot(toy()))
    assert data == {"text/plain": TOY_TEXT, **({"image/svg+xml": "<svg>drawn</svg>"} if drawn
                                               else {})}  # fmt: skip


def model() -> nn.Module:
    lg.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.1),
                         nn.Sequential(nn.Linear(128, 10, bias=False)))  # fmt: skip


def test_module_text_lists_layers_and_parameter_counts():
    m = model()
    m[0].bias.requires_grad_(False)
    assert lg.viz.module_text(m.eval()) == "\n".join([
        "Sequential: 101,760 parameters, 128 frozen · float32 · cpu · eval mode",
        "  0    Linear(in_features=784, out_features=128, bias=True)  100,480",
        "  1    ReLU()",
        "  2    Dropout(p=0.1, inplace=False)",
        "  3.0  Linear(in_features=128, out_features=10, bias=False)  1,280",
    ])  # fmt: skip


def test_module_html_is_a_table_and_escapes():
    class Odd(nn.Module):
        def extra_repr(self):
            return "<b>&"

    html = lg.viz.module_html(nn.Sequential(model(), Odd()))
    assert html.count("<tr>") == 1 + 5  # the header and five layers
    assert "<td style='text-align:right'>100,480</td>" in html
    assert "Odd(&lt;b&gt;&amp;)" in html and "<b>&" not in html.replace("<b>Sequential", "")


@pytest.mark.parametrize(
    "make,status",
    [
        (lambda: lg.ones(2, 3), "shape (2, 3) · float32 · cpu · no grad"),
        (lambda: lg.ones(2, requires_grad=True),
         "shape (2,) · float32 · cpu · requires grad (leaf), no grad yet"),
        (lambda: lg.ones(2, requires_grad=True) * 2,
         "shape (2,) · float32 · cpu · computed by MulBackward"),
        (lambda: toy(), "'L' · shape () · float32 · cpu · computed by MulBackward"),
    ],
)  # fmt: skip
def test_tensor_status(make, status):
    t = make()
    assert notebook.tensor_status(t) == status
    assert lg.viz.tensor_text(t) == f"{status}\n{t!r}"
    assert lg.viz.tensor_html(t).startswith(f"<div><b>{status.replace(chr(39), '&#x27;')}</b>")


def test_leaf_with_gradient_and_float64():
    t = lg.tensor([1.0, 2.0], dtype=lg.float64, requires_grad=True)
    (t * t).sum().backward()
    assert notebook.tensor_status(t).endswith("float64 · cpu · requires grad (leaf), grad set")


def test_dot_program_lookup_is_the_renderers():
    # DotSource draws with the same renderer as viz.render: the `graphviz` package or `dot`
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="Graphviz"):
            graph._graphviz_bytes("digraph { a }", "svg")
    else:
        assert b"<svg" in graph._graphviz_bytes("digraph { a }", "svg")


def _module_repr_html(self) -> str:  # the body proposed for Module._repr_html_
    from likelygrad.viz.notebook import module_html

    return module_html(self)


def _tensor_repr_html(self) -> str:  # the body proposed for Tensor._repr_html_
    from likelygrad.viz.notebook import tensor_html

    return tensor_html(self)


def test_jupyter_shows_modules_and_tensors_as_html(monkeypatch):
    formatters = pytest.importorskip("IPython.core.formatters")
    if not hasattr(nn.Module, "_repr_html_"):
        monkeypatch.setattr(nn.Module, "_repr_html_", _module_repr_html, raising=False)
    if not hasattr(lg.Tensor, "_repr_html_"):
        monkeypatch.setattr(lg.Tensor, "_repr_html_", _tensor_repr_html, raising=False)
    m, t = model(), lg.ones(2, requires_grad=True)
    data, _ = formatters.DisplayFormatter().format(m)
    assert data == {"text/plain": repr(m), "text/html": lg.viz.module_html(m)}
    data, _ = formatters.DisplayFormatter().format(t)
    assert data == {"text/plain": repr(t), "text/html": lg.viz.tensor_html(t)}
