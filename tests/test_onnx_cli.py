"""`likelygrad export`: models trained by the CLI, exported, and run in onnxruntime on the images
`likelygrad predict` would read, giving the probabilities likelygrad gives (to 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import needs_sample

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import likelygrad as lg  # noqa: E402
from likelygrad.cli import main  # noqa: E402
from likelygrad.cli.commands import load_model  # noqa: E402
from likelygrad.data import load_dataset, preprocess  # noqa: E402
from likelygrad.train import as_likelihood  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


def train(folder, data_dir, *flags):
    args = ["train", "--epochs", "1", "--out", folder, "--quiet", "--no-plots", *flags]
    if data_dir is not None:
        args += ["--data-dir", data_dir]
    assert main([str(a) for a in args]) == 0
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from synthetic import write_mnist

    root = tmp_path_factory.mktemp("export")
    data = write_mnist(root / "mnist", n_train=300, n_test=60)
    return {
        "logreg": train(root / "logreg", data, "--model", "logreg"),
        "mlp": train(
            root / "mlp",
            data,
            "--hidden",
            "32",
            "16",
            "--activation",
            "tanh",
            "--preprocess",
            "unit",
        ),  # fmt: skip
        "bernoulli": train(
            root / "bern",
            data,
            "--hidden",
            "16",
            "--likelihood",
            "bernoulli",
            "--positive-class",
            "4",
        ),  # fmt: skip
        "data": data,
    }


def likelygrad_probs(run, images: np.ndarray) -> np.ndarray:
    """What `likelygrad predict` computes for uint8 images."""
    model, config, stats = load_model(str(next(run.glob("checkpoint.*"))))
    x, _ = preprocess(images, config["preprocess"], stats or None)
    with lg.no_grad():
        dist = as_likelihood(config["likelihood"])(model(lg.from_numpy(x)))
        return dist.probs.numpy()


def export(run, tmp_path, *flags) -> list:
    path = tmp_path / "model.onnx"
    assert main(["export", str(run), str(path), "--overwrite", *flags]) == 0
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("kind", ["logreg", "mlp", "bernoulli"])
def test_exported_run_takes_pixels_and_gives_predict_probabilities(runs, tmp_path, kind, capsys):
    from synthetic import digits

    images, _ = digits(50, 7)
    session = export(runs[kind], tmp_path)
    assert "input 'input' = pixels (batch, 28, 28)" in capsys.readouterr().out
    (probs,) = session.run(None, {"input": images.astype(np.float32)})
    want = likelygrad_probs(runs[kind], images)
    np.testing.assert_allclose(probs.reshape(want.shape), want, **TOL)


def test_logits_and_features(runs, tmp_path):
    from synthetic import digits

    images, _ = digits(20, 8)
    session = export(runs["logreg"], tmp_path, "--output", "logits", "--input", "features")
    model, config, stats = load_model(str(next(runs["logreg"].glob("checkpoint.*"))))
    x, _ = preprocess(images, config["preprocess"], stats)
    (logits,) = session.run(["logits"], {"input": x})
    with lg.no_grad():
        np.testing.assert_allclose(logits, model(lg.from_numpy(x)).numpy(), **TOL)


def test_export_errors_are_one_line(runs, tmp_path, capsys):
    assert main(["export", str(tmp_path / "nothing"), str(tmp_path / "m.onnx")]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["export", str(runs["logreg"]), str(tmp_path / "m.txt")]) == 1
    assert "name the output file *.onnx" in capsys.readouterr().err
    (tmp_path / "m.onnx").write_bytes(b"old")
    assert main(["export", str(runs["logreg"]), str(tmp_path / "m.onnx")]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert (tmp_path / "m.onnx").read_bytes() == b"old"


@needs_sample
def test_real_mnist_digits(tmp_path_factory, tmp_path):
    """Trained on the 4,000 real training digits of mnist-sample, run on its 1,000 test ones."""
    run = train(tmp_path_factory.mktemp("sample") / "run", None, "--dataset", "mnist-sample",
                "--hidden", "64")  # fmt: skip
    images = load_dataset("mnist-sample", download=False).x_test
    (probs,) = export(run, tmp_path).run(None, {"input": images.astype(np.float32)})
    np.testing.assert_allclose(probs, likelygrad_probs(run, images), **TOL)


def test_export_help_names_every_default(capsys):
    assert main(["export", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "RUN_OR_CHECKPOINT" in text and "MODEL.onnx" in text
    assert "(default: probs)" in text and "(default: pixels)" in text
