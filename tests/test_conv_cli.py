"""`likelygrad train --model cnn`: the model zoo's CNN through the command line, its checkpoint
(batch norm's buffers included), resume, eval and predict, and the filters picture."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from synthetic import write_mnist

from likelygrad import nn
from likelygrad.cli import main
from likelygrad.models import build_model, describe, unfold_bytes, validate_config
from likelygrad.train import load_checkpoint


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("data") / "mnist", n_train=300, n_test=100)


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("LIKELYGRAD_MIRROR", "http://127.0.0.1:9/")
    monkeypatch.chdir(tmp_path)


def train(capsys, data_dir, out, *extra):
    base = ["train", "--dataset", "mnist", "--data-dir", str(data_dir), "--out", str(out),
            "--model", "cnn", "--channels", "4", "8", "--hidden", "16"]  # fmt: skip
    code = main(base + [str(e) for e in extra])
    out_, err = capsys.readouterr()
    assert code == 0, err
    return out_ + err


CONFIG = {"model": "cnn", "channels": [4, 8], "batch_norm": True, "hidden": [16],
          "activation": "relu", "dropout": 0.1, "image_shape": [28, 28]}  # fmt: skip


def test_the_cnn_is_documented_blocks_then_an_mlp():
    model = build_model(CONFIG, 784, 10)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["ToImages", "Conv2d", "BatchNorm2d", "MaxPool2d", "ReLU", "Conv2d",
                     "BatchNorm2d", "MaxPool2d", "ReLU", "Flatten", "Linear", "ReLU", "Dropout",
                     "Linear"]  # fmt: skip
    assert model[1].bias is None  # batch norm's shift replaces the conv's bias
    assert model[10].in_features == 8 * 7 * 7
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    from likelygrad import tensor

    assert model(tensor(x)).shape == (3, 10)
    assert describe(CONFIG, 784, 10) == (
        "28×28 → conv 4-8 (3×3 + batch norm, max-pool 2) → 392-16-10 relu CNN"
    )
    # im2col at batch 128: 28·28·9·1 + 14·14·9·4 numbers per example, float32
    assert unfold_bytes(CONFIG, 128) == 128 * (28 * 28 * 9 + 14 * 14 * 9 * 4) * 4


@pytest.mark.parametrize(
    "change, message",
    [
        ({"channels": []}, "channels must be a list of 1 to 8"),
        ({"channels": [4, 0]}, "channels must be a list"),
        ({"channels": "32"}, "channels must be a list"),
        ({"batch_norm": "yes"}, "batch_norm must be true or false"),
        ({"image_shape": [784]}, r"image_shape \(H, W\)"),
        ({"channels": [1, 1, 1, 1, 1]}, "5 conv blocks halve"),
        ({"channels": [4096, 4096], "hidden": [1 << 20]}, "parameters, more than"),
    ],
)
def test_bad_cnn_configurations_are_refused_before_building(change, message):
    with pytest.raises(ValueError, match=message):
        validate_config({**CONFIG, **change}, 784, 10)


def test_train_writes_buffers_and_filters_then_eval_and_predict(capsys, data_dir, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    text = train(capsys, data_dir, out, "--batch-norm", "--epochs", "3", "--lr", "0.01")
    assert "conv 4-8 (3×3 + batch norm, max-pool 2)" in text
    assert "MiB of unfolded inputs per batch" in text
    assert (out / "filters.png").read_bytes().startswith(b"\x89PNG")
    arrays, meta = load_checkpoint(next(out.glob("checkpoint.*")))
    assert meta["config"]["channels"] == [4, 8] and meta["config"]["batch_norm"] is True
    assert int(arrays["model.2.num_batches_tracked"]) == 3 * math.ceil(270 / 128)  # batches seen
    assert arrays["model.2.running_var"].shape == (4,)
    acc = json.loads((out / "metrics.json").read_text())["test_accuracy"]
    assert acc > 0.5  # the squares are easy: far above a 0.1 guess after three epochs
    ckpt = str(next(out.glob("checkpoint.*")))
    assert main(["eval", ckpt, "--data-dir", str(data_dir)]) == 0
    assert f"accuracy {acc:.4f}" in capsys.readouterr().out  # eval mode: running statistics
    from synthetic import FILES

    assert main(["predict", ckpt, str(data_dir / FILES[2]), "--top", "1"]) == 0
    assert capsys.readouterr().out.count("predicted") == 100


def test_resume_continues_exactly_with_batch_norm_state(capsys, data_dir, tmp_path):
    """Two epochs at once, or one then a resumed one: the same weights and running stats."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    train(capsys, data_dir, whole, "--batch-norm", "--epochs", "2", "--no-plots")
    train(capsys, data_dir, parts, "--batch-norm", "--epochs", "1", "--no-plots")
    train(capsys, data_dir, parts, "--epochs", "2", "--resume", "--no-plots")
    a, _ = load_checkpoint(next(whole.glob("checkpoint.*")))
    b, _ = load_checkpoint(next(parts.glob("checkpoint.*")))
    for key in (k for k in a if k.startswith("model.")):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_cnn_flags_elsewhere_and_conflicts_are_one_line_errors(capsys, data_dir, tmp_path):
    assert main(["train", "--model", "mlp", "--channels", "8", "--batch-norm"]) == 2
    assert "--channels, --batch-norm apply to --model cnn only" in capsys.readouterr().err
    out = tmp_path / "run"
    train(capsys, data_dir, out, "--epochs", "1", "--no-plots")
    code = main(["train", "--dataset", "mnist", "--data-dir", str(data_dir), "--out", str(out),
                 "--model", "cnn", "--channels", "4", "--epochs", "2", "--resume"])  # fmt: skip
    assert code == 2
    assert "--channels 4 (the run has 4 8)" in capsys.readouterr().err


def test_filters_picture_keeps_its_text_inside(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from likelygrad.viz import plot_filters, plots

    figures = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or save(fig, path))
    conv = nn.Conv2d(1, 32, 5)
    for w in (conv.weight.numpy(), np.random.default_rng(0).random((5, 3, 3, 3))):
        figures.clear()
        assert plot_filters(w, tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
        (fig,) = figures
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        drawn, (width, height) = fig.get_tightbbox(renderer), fig.get_size_inches()
        assert drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= width and drawn.y1 <= height
    with pytest.raises(ValueError, match=r"\(out, in, kH, kW\)"):
        plot_filters(np.zeros((3, 3)), tmp_path / "f.png")
