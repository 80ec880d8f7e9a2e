"""The command line, run as a user would: python -m likelygrad ..., on generated IDX files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from synthetic import write_mnist

from likelygrad.data import read_idx, write_idx
from likelygrad.train import load_checkpoint, save_checkpoint


def cli(*args, check=True, timeout=120):
    env = {**os.environ, "LIKELYGRAD_MIRROR": "http://127.0.0.1:9/"}  # never the network
    r = subprocess.run([sys.executable, "-m", "likelygrad", *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, env=env)  # fmt: skip
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("data") / "mnist")


def test_train_writes_metrics_history_checkpoint_and_plots(data_dir, tmp_path):
    out = tmp_path / "run"
    r = cli("train", "--dataset", "mnist", "--data-dir", data_dir, "--model", "logreg",
            "--epochs", "3", "--out", out)  # fmt: skip
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("epoch ")]
    assert len(lines) == 3  # not a terminal: one line per epoch
    m = json.loads((out / "metrics.json").read_text())
    assert {"test_accuracy", "test_nll", "test_ece", "epochs", "seconds"} <= set(m)
    assert m["test_accuracy"] > 0.9 and m["epochs"] == 3
    assert (out / "history.csv").read_text().splitlines()[0].startswith("epoch,train_nll")
    ckpt = next(out.glob("checkpoint.*"))
    arrays, meta = load_checkpoint(ckpt)
    assert meta["epoch"] == 3 and meta["config"]["model"] == "logreg"
    pytest.importorskip("matplotlib")
    for png in ("curves", "confusion", "reliability", "misclassified", "weights"):
        assert (out / f"{png}.png").stat().st_size > 1000


def test_quiet_prints_nothing(data_dir, tmp_path):
    r = cli("train", "--dataset", "mnist", "--data-dir", data_dir, "--model", "logreg",
            "--epochs", "1", "--out", tmp_path, "--quiet", "--no-plots")  # fmt: skip
    assert r.stdout == "" and r.stderr == ""


def test_resume_matches_an_uninterrupted_run(data_dir, tmp_path):
    common = ("train", "--dataset", "mnist", "--data-dir", data_dir, "--hidden", "16",
              "--dropout", "0.1", "--optimizer", "sgd", "--quiet", "--no-plots")  # fmt: skip
    cli(*common, "--epochs", "3", "--out", tmp_path / "a")
    cli(*common, "--epochs", "1", "--out", tmp_path / "b")
    cli(*common, "--epochs", "3", "--out", tmp_path / "b", "--resume")
    a, _ = load_checkpoint(next((tmp_path / "a").glob("checkpoint.*")))
    b, meta = load_checkpoint(next((tmp_path / "b").glob("checkpoint.*")))
    assert meta["epoch"] == 3 and set(a) == set(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_kill_at_any_moment_leaves_a_loadable_checkpoint(data_dir, tmp_path):
    out = tmp_path / "k"
    args = [sys.executable, "-m", "likelygrad", "train", "--dataset", "mnist", "--data-dir",
            str(data_dir), "--hidden", "32", "--epochs", "1000", "--batch-size", "600",
            "--out", str(out), "--quiet", "--no-plots"]  # fmt: skip
    for delay in (1.5, 1.9, 2.3):
        p = subprocess.Popen(args)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        for ck in out.glob("checkpoint.*"):
            load_checkpoint(ck)  # never half-written
    written = list(out.glob("checkpoint.*"))
    assert written, "no epoch finished in time: raise the delays"
    (out / f".{written[0].name}.abc123.tmp").write_bytes(b"half a checkpoint")  # as a kill leaves
    cli("train", "--dataset", "mnist", "--data-dir", data_dir, "--out", out, "--resume",
        "--epochs", "1", "--quiet", "--no-plots")  # fmt: skip
    assert not [f.name for f in out.iterdir() if f.name.endswith(".tmp")]


def test_eval_and_predict(data_dir, tmp_path):
    cli("train", "--dataset", "mnist", "--data-dir", data_dir, "--model", "logreg",
        "--epochs", "2", "--out", tmp_path, "--no-plots", "--quiet")  # fmt: skip
    ckpt = next(tmp_path.glob("checkpoint.*"))
    r = cli("eval", ckpt, "--data-dir", data_dir)
    assert "accuracy" in r.stdout and "nll" in r.stdout
    images = read_idx(data_dir / "t10k-images-idx3-ubyte.gz")[:3]
    labels = read_idx(data_dir / "t10k-labels-idx1-ubyte.gz")[:3]
    write_idx(tmp_path / "three.idx", images)
    r = cli("predict", ckpt, tmp_path / "three.idx")
    preds = [
        int(ln.split("predicted ")[1].split()[0]) for ln in r.stdout.splitlines() if "]: " in ln
    ]
    assert preds == labels.tolist()
    PIL = pytest.importorskip("PIL.Image")
    PIL.fromarray(255 - images[0]).resize((56, 56)).save(tmp_path / "d.png")  # dark on light
    r = cli("predict", ckpt, tmp_path / "d.png")
    assert f"predicted {labels[0]}" in r.stdout and "inverting" in r.stderr


def test_bernoulli_one_digit_against_the_rest(data_dir, tmp_path):
    cli("train", "--dataset", "mnist", "--data-dir", data_dir, "--likelihood", "bernoulli",
        "--positive-class", "3", "--model", "logreg", "--optimizer", "lbfgs", "--epochs", "2",
        "--out", tmp_path, "--quiet")  # fmt: skip
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["test_accuracy"] > 0.95


def test_bad_arguments_exit_2_and_bad_files_exit_1(data_dir, tmp_path):
    r = cli("train", "--model", "resnet", check=False)
    assert r.returncode == 2 and r.stderr.startswith("likelygrad train: error: argument --model")
    r = cli("train", "--epochs", "0", check=False)
    assert r.returncode == 2
    r = cli("train", "--val-fraction", "1.5", check=False)
    assert r.returncode == 2
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"\x00" * 100)
    r = cli("eval", junk, check=False)
    assert r.returncode == 1 and "junk.npz" in r.stderr and "Traceback" not in r.stderr
    other = tmp_path / "other"
    cli("train", "--dataset", "mnist", "--data-dir", data_dir, "--hidden", "8", "--epochs", "1",
        "--out", other, "--quiet", "--no-plots")  # fmt: skip
    ckpt = next(other.glob("checkpoint.*"))
    arrays, meta = load_checkpoint(ckpt)
    meta["config"]["hidden"] = [9]  # claims another architecture than its arrays hold
    save_checkpoint(ckpt, arrays, meta)
    r = cli("eval", ckpt, "--data-dir", data_dir, check=False)
    assert r.returncode == 1 and "0.weight: checkpoint (8, 784) vs model (9, 784)" in r.stderr
    r = cli("predict", ckpt, tmp_path / "missing.png", check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_info_lists_datasets():
    r = cli("info")
    assert "BLAS" in r.stdout and "mnist-sample" in r.stdout and "fashion-mnist" in r.stdout


def test_bad_input_is_one_line_naming_the_problem_never_a_traceback(data_dir, tmp_path):
    def fails(*args, message):
        r = cli(*args, check=False)
        assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr, r.stderr

    fails("train", "--dataset", "mnist", "--data-dir", data_dir, "--likelihood", "bernoulli",
          "--positive-class", "12", "--out", tmp_path / "p", "--no-plots",
          message="the positive class 12 is not a class of mnist: it has 10 classes, so "
          "--positive-class must be in 0..9")  # fmt: skip
    assert not (tmp_path / "p").exists()  # refused before any training
    out = tmp_path / "run"
    cli("train", "--dataset", "mnist", "--data-dir", data_dir, "--model", "logreg", "--epochs",
        "1", "--out", out, "--quiet", "--no-plots")  # fmt: skip
    ckpt = next(out.glob("checkpoint.*"))
    write_idx(tmp_path / "int32.idx", np.zeros((2, 28, 28), np.int32))
    message = "int32.idx: the IDX file holds int32 values; predict takes uint8 pixels"
    fails("predict", ckpt, tmp_path / "int32.idx", message=message)
    arrays, meta = load_checkpoint(ckpt)
    save_checkpoint(ckpt, arrays, {k: v for k, v in meta.items() if k != "history"})
    fails("train", "--data-dir", data_dir, "--out", out, "--resume", "--epochs", "2", "--quiet",
          message="likelygrad train: error: KeyError: 'history'")  # fmt: skip
    for key in ("dataset", "seed"):
        del meta["config"][key]
    save_checkpoint(ckpt, arrays, meta)
    missing = "not a checkpoint written by likelygrad train: missing dataset, seed"
    fails("eval", ckpt, "--data-dir", data_dir, message=missing)
    fails("predict", ckpt, tmp_path / "int32.idx", message=missing)
    fails("train", "--data-dir", data_dir, "--out", out, "--resume", "--quiet", message=missing)
    del meta["config"]
    save_checkpoint(ckpt, arrays, meta)
    fails("eval", ckpt, message="not a checkpoint written by likelygrad train: no configuration")
