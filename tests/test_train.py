"""fit: learning, history, early stopping, checkpoints (atomic, resumable, validated)."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
from synthetic import digits

import likelygrad as lg
from likelygrad import nn, optim
from likelygrad.data import preprocess
from likelygrad.train import evaluate, fit, load_checkpoint, save_checkpoint


@pytest.fixture(scope="module")
def data():
    xtr, ytr = digits(500, 1)
    xte, yte = digits(200, 2)
    x_train, stats = preprocess(xtr, "standardize")
    x_test, _ = preprocess(xte, "standardize", stats)
    return (x_train, ytr.astype(np.int64)), (x_test, yte.astype(np.int64))


def mlp(seed=0, dropout=0.2):
    lg.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Dropout(dropout), nn.Linear(32, 10))


def test_fit_learns_and_records_history(data):
    train, test = data
    lg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 10))
    hist = fit(model, "categorical", optim.Adam(model.parameters(), 1e-2), train, test,
               epochs=5, batch_size=64, progress="quiet")  # fmt: skip
    assert [r["epoch"] for r in hist] == [1, 2, 3, 4, 5]
    assert {"train_nll", "train_acc", "val_nll", "val_acc", "val_ece", "lr", "seconds"} <= set(
        hist[0]
    )
    assert hist[-1]["train_nll"] < hist[0]["train_nll"]
    ev = evaluate(model, "categorical", *test)
    assert ev["accuracy"] >= 0.9  # the accuracy gate CI keeps, on generated data
    assert ev["nll"] == pytest.approx(hist[-1]["val_nll"])


def test_bernoulli_and_lbfgs(data):
    (x, y), _ = data
    yb = (y == 3).astype(np.float32)
    lg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 1))
    opt = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe", max_iter=10)
    hist = fit(model, "bernoulli", opt, (x, yb), epochs=3, progress="quiet")
    assert hist[-1]["train_nll"] < hist[0]["train_nll"] and hist[-1]["train_acc"] > 0.95


def test_resume_ends_with_the_same_weights(data, tmp_path):
    train, test = data

    def run(epochs, resume, path):
        model = mlp()
        if resume:  # the dropout RNG must come back from the checkpoint, not from here
            lg.manual_seed(123)
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        hist = fit(model, "categorical", opt, train, test, epochs=epochs, batch_size=50,
                   scheduler=sched, checkpoint=path, resume=resume, progress="quiet")  # fmt: skip
        return model, hist

    full, hist_full = run(5, False, tmp_path / "a.npz")
    run(2, False, tmp_path / "b.npz")
    resumed, hist_resumed = run(5, True, tmp_path / "b.npz")
    for (k, p), (_, q) in zip(full.named_parameters(), resumed.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=k)
    assert [r["train_nll"] for r in hist_full] == [r["train_nll"] for r in hist_resumed]


def test_early_stopping_restores_best_weights(data, tmp_path):
    (x, y), _ = data
    small = (x[:40], y[:40])  # overfits quickly: held-out NLL turns up
    model = mlp(dropout=0.0)
    opt = optim.Adam(model.parameters(), 0.02)
    hist = fit(model, "categorical", opt, small, (x[200:], y[200:]), epochs=40, batch_size=8,
               early_stopping=2, checkpoint=tmp_path / "c.npz", progress="quiet")  # fmt: skip
    assert len(hist) < 40
    best = min(r["val_nll"] for r in hist)
    assert evaluate(model, "categorical", x[200:], y[200:])["nll"] == pytest.approx(best, rel=1e-6)
    _, meta = load_checkpoint(tmp_path / "c.npz")
    assert meta["finished"] and meta["early"]["best_nll"] == best
    with pytest.raises(ValueError, match="early_stopping needs held-out data"):
        fit(model, "categorical", optim.SGD(model.parameters(), 0.1), small, early_stopping=2)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_checkpoint_round_trip_and_atomicity(tmp_path, suffix, monkeypatch):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    path = tmp_path / f"ck{suffix}"
    arrays = {"model.w": np.arange(6.0).reshape(2, 3).T, "x": np.array(3.5, np.float32)}
    save_checkpoint(path, arrays, {"epoch": 1})
    got, meta = load_checkpoint(path)
    np.testing.assert_array_equal(got["model.w"], arrays["model.w"])  # transposed view saved right
    assert got["x"].shape == () and meta["epoch"] == 1

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {"model.w": np.zeros(3)}, {"epoch": 2})
    monkeypatch.undo()
    got, meta = load_checkpoint(path)  # the previous checkpoint is intact
    assert meta["epoch"] == 1 and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_bad_checkpoints_are_named(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match=r"junk.npz: not a .npz checkpoint"):
        load_checkpoint(junk)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(2))
    with pytest.raises(ValueError, match="plain.npz: not a likelygrad checkpoint"):
        load_checkpoint(plain)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, a=np.array([{"evil": 1}], dtype=object), __meta__=np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match="pickled.npz"):
        load_checkpoint(pickled)
    truncated = tmp_path / "t.npz"
    save_checkpoint(truncated, {"a": np.zeros(1000)}, {})
    truncated.write_bytes(truncated.read_bytes()[:500])
    with pytest.raises(ValueError, match="t.npz: not a valid .npz checkpoint"):
        load_checkpoint(truncated)
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.npz")
    if importlib.util.find_spec("safetensors") is not None:  # only this part needs the package
        st = tmp_path / "x.safetensors"
        st.write_bytes(b"\xff" * 64)
        with pytest.raises(ValueError, match="x.safetensors: corrupt"):
            load_checkpoint(st)


def test_progress_bar_lines_and_quiet(data):
    import io

    from likelygrad.train import Progress

    pytest.importorskip("tqdm")
    train, test = data
    outputs = {}
    for mode in ("bar", "lines", "quiet"):
        buf = io.StringIO()
        lg.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 10))
        fit(model, "categorical", optim.SGD(model.parameters(), 0.1), train, test, epochs=2,
            batch_size=100, progress=Progress(mode, file=buf))  # fmt: skip
        outputs[mode] = buf.getvalue()
    lines = outputs["lines"].splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1: train nll") and "val nll" in lines[0]
    # the bar: each epoch's whole summary on a line of its own (what a terminal shows after the
    # carriage returns), the same as in lines mode but for the timings; the bars themselves gone
    bar = outputs["bar"]
    shown = [ln.rsplit("\r", 1)[-1] for ln in bar.split("\n") if ln.rsplit("\r", 1)[-1].strip()]
    assert "epoch 1/2" in bar and "epoch 2/2" in bar
    assert [ln.rsplit(" (", 1)[0] for ln in shown] == [ln.rsplit(" (", 1)[0] for ln in lines]
    assert outputs["quiet"] == ""


def test_resume_with_early_stopping_continues_from_the_latest_weights(data, tmp_path):
    (x, y), _ = data
    train, val = (x[:200], y[:200]), (x[200:], y[200:])

    def run(epochs, resume, path):
        model = mlp(dropout=0.0)
        opt = optim.Adam(model.parameters(), 0.01)
        hist = fit(model, "categorical", opt, train, val, epochs=epochs, batch_size=25,
                   early_stopping=100, checkpoint=path, resume=resume,
                   progress="quiet")  # fmt: skip
        return model, hist

    full, hist_full = run(4, False, tmp_path / "a.npz")
    _, hist_short = run(2, False, tmp_path / "b.npz")  # ends by restoring its best weights
    arrays, _ = load_checkpoint(tmp_path / "b.npz")
    assert any(k.startswith("last.") for k in arrays) and any(k.startswith("best.") for k in arrays)
    resumed, hist_resumed = run(4, True, tmp_path / "b.npz")
    assert [r["val_nll"] for r in hist_full] == [r["val_nll"] for r in hist_resumed]
    for (k, p), (_, q) in zip(full.named_parameters(), resumed.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=k)  # both restored the same best
