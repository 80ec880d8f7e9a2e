"""Pictures and narrations of what likelygrad computes.

`to_dot`/`render` draw a computation graph, `explain` prints its backward pass as the notes'
chain-rule products, and the `plot_*` functions draw training curves, confusion matrices,
weights, reliability diagrams and mistakes. matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

from .explain import Step, explain
from .graph import render, to_dot
from .notebook import DotSource, module_html, module_text, tensor_html, tensor_text
from .plots import (
    plot_confusion,
    plot_filters,
    plot_history,
    plot_misclassified,
    plot_reliability,
    plot_weights,
)

__all__ = [
    "DotSource",
    "module_html",
    "module_text",
    "tensor_html",
    "tensor_text",
    "Step",
    "explain",
    "plot_confusion",
    "plot_filters",
    "plot_history",
    "plot_misclassified",
    "plot_reliability",
    "plot_weights",
    "render",
    "to_dot",
]
