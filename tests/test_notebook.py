"""docs/tutorial.ipynb runs top to bottom in a fresh kernel (as in Jupyter), and is stored
without outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_notebook_runs(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    where = {"metadata": {"path": str(NOTEBOOK.parent)}}  # the kernel's working directory
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources=where)
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert "dL/da = 10, dL/db = 20, dL/dc = -4" in text
    assert "largest difference between the hand and autodiff gradients" in text
    assert len(figures) == 3  # the ascent curve and θ, the learning curves, the test digits
    graph = [o for o in outputs if "L = mul(c, e)" in o.get("data", {}).get("text/plain", "")]
    assert graph, "the toy graph is displayed (as SVG with Graphviz, as text without)"
