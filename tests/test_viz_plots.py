"""The plot functions: each writes a non-empty PNG atomically and leaves no figure open."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from likelygrad import viz

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


def fake_model(n: int = 120, k: int = 10, seed: int = 0):
    """Images, labels, and a noisy classifier's probabilities and predictions for them."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.standard_normal((n, k)) + 3 * np.eye(k)[y]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    images = rng.random((n, 8, 8))
    return images, y, probs.argmax(axis=1), probs


def calls(tmp_path):
    images, y, pred, probs = fake_model()
    history = [
        {"epoch": e, "train_nll": 1 / e, "train_acc": 1 - 0.5 / e, "val_nll": 1.2 / e,
         "val_acc": 0.9 - 0.4 / e, "val_ece": 0.05 / e}
        for e in range(1, 6)
    ]  # fmt: skip
    return {
        "history": lambda p: viz.plot_history(history, p),
        "confusion": lambda p: viz.plot_confusion(y, pred, p),
        "weights": lambda p: viz.plot_weights(np.random.randn(10, 64), p, image_shape=(8, 8)),
        "reliability": lambda p: viz.plot_reliability(probs, y, p),
        "misclassified": lambda p: viz.plot_misclassified(images, y, pred, probs, p, n=16),
    }


@pytest.mark.parametrize(
    "kind", ["history", "confusion", "weights", "reliability", "misclassified"]
)
def test_each_plot_writes_a_png_and_closes_its_figure(tmp_path, kind):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    path = tmp_path / f"{kind}.png"
    assert calls(tmp_path)[kind](path) == path
    assert path.read_bytes().startswith(PNG) and path.stat().st_size > 1000
    assert plt.get_fignums() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left


def test_misclassified_handles_few_and_no_mistakes(tmp_path):
    images, y, pred, probs = fake_model(n=20)
    pred = y.copy()
    pred[:2] = (y[:2] + 1) % 10
    assert viz.plot_misclassified(
        images.reshape(20, 64), y, pred, probs, tmp_path / "a.png"
    ).exists()
    assert viz.plot_misclassified(images, y, y, probs, tmp_path / "b.png").exists()


def test_plot_inputs_are_validated(tmp_path):
    with pytest.raises(
        ValueError, match=r"got \(784, 10\); it looks transposed: pass weights.T, shape \(10, 784\)"
    ):
        viz.plot_weights(np.zeros((784, 10)), tmp_path / "w.png")
    with pytest.raises(ValueError, match="no curves"):
        viz.plot_history([{"epoch": 1, "lr": 0.1}], tmp_path / "h.png")
    with pytest.raises(ValueError, match="suffix"):
        viz.plot_confusion([0, 1], [0, 1], tmp_path / "c.nope")


def test_missing_matplotlib_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    with pytest.raises(ImportError, match=r"pip install 'likelygrad\[plot\]'"):
        viz.plot_confusion([0, 1], [0, 1], tmp_path / "c.png")


def test_plots_leave_pyplot_and_the_backend_alone(tmp_path):
    code = (
        "import sys, likelygrad.viz as v; "
        f"v.plot_confusion([0, 1], [0, 1], {str(tmp_path / 'c.png')!r}); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot")  # fmt: skip


def layouts():
    """Every plot in the shapes the CLI draws: many or few panels, long names, one class."""
    images, y, pred, probs = fake_model(300, 10, seed=1)
    two = np.stack([1 - probs[:, 0], probs[:, 0]], axis=1)
    history = [{"epoch": 1, "train_nll": 0.5, "train_acc": 0.8, "val_nll": 0.6, "val_acc": 0.7,
                "val_ece": 0.1}]  # fmt: skip
    w = np.random.default_rng(0).standard_normal((10, 784))
    return {
        "weights-10-fashion": lambda p: viz.plot_weights(w, p, (28, 28), FASHION),
        "weights-1-bernoulli": lambda p: viz.plot_weights(
            w[:1], p, (28, 28), ["3"], title="weights: 3 against the rest"
        ),
        "weights-3": lambda p: viz.plot_weights(w[:3, :64], p, (8, 8)),
        "misclassified-fashion": lambda p: viz.plot_misclassified(
            images, y, pred, probs, p, n=36, class_names=FASHION
        ),
        "misclassified-few": lambda p: viz.plot_misclassified(
            images[:3], [0, 1, 1], [1, 0, 0], two[:3], p, class_names=["not 3", "3"]
        ),
        "confusion-2": lambda p: viz.plot_confusion(y % 2, pred % 2, p, ["not 3", "3"]),
        "confusion-fashion": lambda p: viz.plot_confusion(y, pred, p, FASHION),
        "history-1": lambda p: viz.plot_history(history, p),
        "reliability": lambda p: viz.plot_reliability(probs, y, p),
    }


@pytest.mark.parametrize("kind", list(layouts()))
def test_no_text_is_clipped_and_no_titles_overlap(tmp_path, kind, monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from likelygrad.viz import plots

    figures = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or save(fig, path))
    layouts()[kind](tmp_path / "p.png")
    (fig,) = figures
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # the layout engine places everything as when saving
    drawn = fig.get_tightbbox(renderer)  # inches: every title, label, tick and colour bar
    w, h = fig.get_size_inches()
    tol = 1 / fig.dpi
    assert drawn.x0 >= -tol and drawn.y0 >= -tol, f"{kind}: cut at the left or bottom: {drawn}"
    assert drawn.x1 <= w + tol and drawn.y1 <= h + tol, f"{kind}: cut at the right or top: {drawn}"
    titles = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
    for i, a in enumerate(titles):
        for b in titles[i + 1 :]:
            assert not a.overlaps(b), f"{kind}: titles overlap: {a} and {b}"
