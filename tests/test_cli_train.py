"""`likelygrad train` met as a new user meets it: bad flags, resumes, run folders, divergence.

The CLI runs in-process (`main([...])`) on a small generated MNIST look-alike; every error must
be one line, `likelygrad train: error: ...`, and leave the disk as it was.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import needs_sample
from synthetic import write_mnist

from likelygrad.cli import main
from likelygrad.train import load_checkpoint


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("data") / "mnist", n_train=300, n_test=100)


@pytest.fixture(autouse=True)
def offline(request, monkeypatch, tmp_path):
    if "home" in request.fixturenames:
        request.getfixturevalue("home")  # it clears $LIKELYGRAD_MIRROR: set it afterwards
    monkeypatch.setenv("LIKELYGRAD_MIRROR", "http://127.0.0.1:9/")  # never the network
    monkeypatch.chdir(tmp_path)  # a default --out (runs/...) lands in the test's folder


def run(capsys, *args):
    """(exit status, stdout, stderr) of `likelygrad` with these arguments, in this process."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(err: str) -> str:
    """The single line of an error report (and nothing else on stderr)."""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("likelygrad train: error: "), err
    return lines[0]


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def train(capsys, data_dir, out, *extra, expect=0):
    base = ("train", "--dataset", "mnist", "--data-dir", data_dir, "--out", out, "--no-plots")
    code, _, err = run(capsys, *base, *extra)
    assert code == expect, err
    return err


def test_diverging_run_stops_at_once_and_keeps_the_last_good_checkpoint(data_dir, tmp_path):
    # one full batch per epoch, so the loss grows epoch by epoch until it overflows
    out = tmp_path / "run"
    args = [sys.executable, "-m", "likelygrad", "train", "--dataset", "mnist", "--data-dir",
            data_dir, "--hidden", "16", "--optimizer", "sgd", "--lr", "1e5", "--batch-size",
            "300", "--val-fraction", "0", "--epochs", "30", "--out", out]  # fmt: skip
    env = {"LIKELYGRAD_MIRROR": "http://127.0.0.1:9/", "PYTHONWARNINGS": "default"}
    r = subprocess.run(list(map(str, args)), capture_output=True, text=True, timeout=120,
                       env={**os.environ, **env})  # fmt: skip
    assert r.returncode == 1
    error = [
        ln for ln in r.stderr.splitlines() if not ln.startswith(("epoch ", "Dataset(", "model:"))
    ]
    assert len(error) == 1 and "Warning" not in r.stderr, r.stderr  # no RuntimeWarning, one line
    m = re.fullmatch(
        r"likelygrad train: error: training diverged: the loss became (nan|inf) at epoch (\d+), "
        r"step 1 of 1; lower --lr \(now 100000\); the last good checkpoint, after epoch (\d+), "
        r"is kept in (.*)", error[0])  # fmt: skip
    assert m, error[0]
    epoch, kept = int(m[2]), int(m[3])
    assert epoch > 1 and kept == epoch - 1
    arrays, meta = load_checkpoint(m[4])
    assert meta["epoch"] == kept and all(np.isfinite(a).all() for a in arrays.values())
    assert not (out / "metrics.json").exists()


def test_divergence_in_the_first_epoch_leaves_nothing(capsys, data_dir, tmp_path):
    out = tmp_path / "new" / "run"
    err = train(capsys, data_dir, out, "--hidden", "16", "--optimizer", "sgd", "--lr", "1e30",
                "--quiet", expect=1)  # fmt: skip
    assert one_error(err).endswith("lower --lr (now 1e+30); no checkpoint was written")
    assert not out.exists()


@pytest.mark.parametrize("lr", ["inf", "nan", "-inf", "1e999", "-1"])
def test_non_finite_or_negative_lr_is_refused(capsys, lr):
    code, _, err = run(capsys, "train", f"--lr={lr}")
    assert code == 2 and f"argument --lr: must be a finite non-negative number, got {lr}" in err


def test_resume_refuses_each_conflicting_flag_and_touches_nothing(capsys, data_dir, tmp_path):
    out = tmp_path / "run"
    train(capsys, data_dir, out, "--hidden", "8", "--lr", "0.01", "--epochs", "1", "--quiet")
    before = snapshot(out)
    err = train(capsys, data_dir, out, "--resume", "--hidden", "4", "--lr", "0.1", "--dataset",
                "digits", "--epochs", "3", "--optimizer", "adam", expect=2)  # fmt: skip
    line = one_error(err)
    for conflict in ("--dataset digits (the run has mnist)", "--hidden 4 (the run has 8)",
                     "--lr 0.1 (the run has 0.01)"):  # fmt: skip
        assert conflict in line
    assert "--optimizer" not in line.split("but ")[1].split(":")[0]  # the same value: no conflict
    assert "only --epochs, --early-stopping, --data-dir, --device may change" in line
    assert snapshot(out) == before


def test_resume_applies_and_reports_the_flags_that_may_change(capsys, data_dir, tmp_path):
    out = tmp_path / "run"
    train(capsys, data_dir, out, "--model", "logreg", "--epochs", "1", "--quiet")
    err = train(capsys, data_dir, out, "--resume", "--model", "logreg", "--epochs", "3",
                "--early-stopping", "5")  # fmt: skip
    assert "resuming with --epochs 1 -> 3, --early-stopping none -> 5" in err
    _, meta = load_checkpoint(next(out.glob("checkpoint.*")))
    assert meta["epoch"] == 3 and meta["config"]["epochs"] == 3
    assert meta["config"]["early_stopping"] == 5


def test_a_finished_run_resumed_is_left_untouched(capsys, data_dir, tmp_path):
    out = tmp_path / "run"
    train(capsys, data_dir, out, "--model", "logreg", "--epochs", "2", "--quiet")
    before = snapshot(out)
    err = train(capsys, data_dir, out, "--resume")
    assert (
        "the run finished after epoch 2; nothing to do, metrics.json and the pictures are "
        "unchanged; a larger --epochs continues it" in err
    )
    assert snapshot(out) == before  # metrics.json and history.csv not rewritten


def test_an_existing_run_is_replaced_only_with_overwrite(capsys, data_dir, tmp_path):
    out = tmp_path / "run"
    train(capsys, data_dir, out, "--model", "logreg", "--epochs", "2", "--quiet")
    before = snapshot(out)
    line = one_error(train(capsys, data_dir, out, "--model", "logreg", expect=1))
    assert f"--out {out} already holds a run (checkpoint." in line
    assert "add --resume to continue it, --overwrite to replace it" in line
    assert snapshot(out) == before
    err = train(capsys, data_dir, out, "--model", "logreg", "--epochs", "1", "--overwrite")
    assert "--overwrite: removed the previous run's" in err
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 1
    code, _, err = run(capsys, "train", "--out", out, "--resume", "--overwrite")
    assert code == 2 and "pick one" in err


@pytest.mark.parametrize("where", ["under a file", "a file", "empty"])
def test_a_bad_out_is_refused_before_anything_is_read(capsys, tmp_path, where):
    (tmp_path / "f").write_text("x")
    out = {"under a file": tmp_path / "f" / "run", "a file": tmp_path / "f", "empty": ""}[where]
    # no --data-dir and no network: reaching the data would be a different error
    code, _, err = run(capsys, "train", "--dataset", "fashion-mnist", "--out", out)
    line = one_error(err)
    assert code in (1, 2) and "--out" in line and "Errno" not in line
    assert (tmp_path / "f").read_text() == "x"


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--model", "logreg", "--hidden", "8"], "--hidden applies to --model mlp only"),
        (["--model", "logreg", "--dropout", "0.2", "--activation", "tanh"],
         "--activation, --dropout apply to --model mlp only"),
        (["--momentum", "0.5"], "--momentum applies to --optimizer sgd only (not adam)"),
        (["--positive-class", "2"], "--positive-class applies to --likelihood bernoulli only"),
        (["--optimizer", "lbfgs", "--batch-size", "64"], "--batch-size does not apply to lbfgs"),
        (["--optimizer", "lbfgs", "--weight-decay", "0.1"], "--weight-decay is not supported"),
        (["--early-stopping", "2", "--val-fraction", "0"], "--early-stopping needs held-out"),
        (["--val-fraction", "0.9999"], "holds out 300 of the 300 training examples of mnist, "
                                       "leaving none to train on"),
    ],
)  # fmt: skip
def test_flags_that_would_be_ignored_are_errors(capsys, data_dir, tmp_path, flags, message):
    err = train(capsys, data_dir, tmp_path / "run", *flags, expect=2)
    assert message in one_error(err)
    assert not (tmp_path / "run").exists()


def test_eval_on_another_data_set_warns(capsys, data_dir, tmp_path):
    train(capsys, data_dir, tmp_path / "run", "--model", "logreg", "--epochs", "1", "--quiet")
    other = write_mnist(tmp_path / "other" / "fashion-mnist", n_train=10, n_test=50)
    ckpt = next((tmp_path / "run").glob("checkpoint.*"))
    code, out, err = run(capsys, "eval", ckpt, "--dataset", "fashion-mnist", "--data-dir",
                         other.parent)  # fmt: skip
    assert code == 0 and "fashion-mnist test set (50 examples)" in out
    assert err == (f"likelygrad eval: warning: {ckpt} was trained on mnist: evaluating it on "
                   "fashion-mnist's test split\n")  # fmt: skip
    code, out, err = run(capsys, "eval", ckpt)  # its own data: no warning
    assert code == 0 and err == ""


@needs_sample
def test_offline_mnist_falls_back_once_and_names_the_run_after_the_sample(
    capsys, home, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    args = ("train", "--model", "logreg", "--epochs", "1", "--no-plots", "--val-fraction", "0")
    code, _, err = run(capsys, *args)
    assert code == 0 and err.count("falling back to mnist-sample") == 1, err
    out = tmp_path / "runs" / "mnist-sample-logreg"
    assert json.loads((out / "metrics.json").read_text())["dataset"] == "mnist-sample"
    _, meta = load_checkpoint(next(out.glob("checkpoint.*")))
    assert (meta["config"]["dataset"], meta["config"]["dataset_requested"]) == (
        "mnist-sample",
        "mnist",
    )
    assert not (tmp_path / "runs" / "mnist-logreg").exists()
    code, _, err = run(capsys, *args, "--resume", "--epochs", "2")  # finds the same run
    assert code == 0 and "resuming from" in err and "resuming with --epochs 1 -> 2" in err
    _, meta = load_checkpoint(next(out.glob("checkpoint.*")))
    assert meta["epoch"] == 2 and meta["config"]["dataset_requested"] == "mnist"
    code, _, err = run(capsys, *args, "--dataset", "mnist", "--out", out, "--resume")
    assert code == 0 and "nothing to do" in err  # --dataset mnist is what the run asked for


def test_a_run_that_ends_worse_than_guessing_is_warned_about(capsys, data_dir, tmp_path):
    err = train(capsys, data_dir, tmp_path / "run", "--hidden", "64", "--lr", "1000", "--epochs",
                "2")  # fmt: skip
    warning = [ln for ln in err.splitlines() if "warning" in ln]
    assert len(warning) == 1 and re.fullmatch(
        r"likelygrad train: warning: the training NLL after epoch 2 is \S+ nats per example, "
        r"worse than a uniform guess \(2\.303\): training probably diverged; lower --lr "
        r"\(now 1000\)", warning[0]), err  # fmt: skip
    err = train(capsys, data_dir, tmp_path / "ok", "--model", "logreg", "--epochs", "2")
    assert "warning" not in err


def test_data_not_found_is_one_error_line_with_the_search_indented(capsys, home, tmp_path):
    code, _, err = run(capsys, "train", "--dataset", "fashion-mnist", "--data-dir", tmp_path,
                       "--out", tmp_path / "run")  # fmt: skip
    lines = err.splitlines()
    # progress while it tries, before the error
    assert lines[0].startswith("  failed: http://127.0.0.1:9/train-images-idx3-ubyte.gz: ")
    first, *rest = lines[1:]
    assert code == 1 and first.startswith("likelygrad train: error: dataset 'fashion-mnist' not")
    assert rest and all(line.startswith("  ") for line in rest), err
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_unwritable_out_is_named_before_training(capsys, data_dir, tmp_path, monkeypatch):
    from likelygrad.cli import config

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root may write anywhere: let the folder refuse it as for a user
        real = os.access
        monkeypatch.setattr(config.os, "access", lambda p, m: real(p, m) and p != locked)
    line = one_error(train(capsys, data_dir, locked / "run", expect=1))
    assert line == f"likelygrad train: error: --out {locked / 'run'}: no permission to write in " \
        f"{locked}"  # fmt: skip
