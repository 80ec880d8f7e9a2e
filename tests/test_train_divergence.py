"""fit stops at the first nan or inf loss (or weights) and never saves them; evaluate's mode."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import digits

import likelygrad as lg
from likelygrad import nn, optim
from likelygrad.data import preprocess
from likelygrad.likelihoods import Categorical
from likelygrad.train import NonFiniteLossError, evaluate, fit, load_checkpoint


@pytest.fixture(scope="module")
def data():
    x, y = digits(200, 1)
    return preprocess(x, "standardize")[0], y.astype(np.int64)


def model(seed=0):
    lg.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))


def test_a_nan_loss_stops_fit_at_its_step_and_the_last_checkpoint_stays(data, tmp_path):
    calls = {"n": 0}

    def poisoned(out):  # the 7th batch's likelihood is nan: epoch 3 (3 batches each), step 1
        calls["n"] += 1
        return Categorical(logits=out * (np.nan if calls["n"] == 7 else 1.0))

    ckpt = tmp_path / "c.npz"
    m = model()
    opt = optim.SGD(m.parameters(), lr=0.05)
    with pytest.raises(NonFiniteLossError) as info:
        fit(m, poisoned, opt, data, epochs=5, batch_size=70, checkpoint=ckpt, progress="quiet")
    e = info.value
    assert (e.epoch, e.step, e.steps, e.checkpoint_epoch, e.lr) == (3, 1, 3, 2, 0.05)
    assert np.isnan(e.loss) and isinstance(e, ValueError) and isinstance(e, FloatingPointError)
    assert str(e) == ("fit: the training loss is nan at epoch 3, step 1 of 3; training "
                      "diverged: lower the learning rate (now 0.05)")  # fmt: skip
    arrays, meta = load_checkpoint(ckpt)
    assert meta["epoch"] == 2 and all(np.isfinite(a).all() for a in arrays.values())


def test_nan_inputs_are_named_as_such(data):
    x, y = data
    x = x.copy()
    x[0, 0] = np.nan
    with pytest.raises(NonFiniteLossError, match="step 1 of 1; this is before any update: do "
                       "the inputs or the initial weights hold nan or inf"):  # fmt: skip
        fit(model(), "categorical", optim.Adam(model().parameters()), (x, y), batch_size=500,
            progress="quiet")  # fmt: skip


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # NumPy's, on the nan
@pytest.mark.parametrize("opt", ["sgd", "lbfgs"])
def test_weights_made_nan_by_the_last_step_are_caught_before_saving(data, tmp_path, opt):
    m = model()
    if opt == "sgd":  # one finite loss, then an infinite step: the loss is never seen again
        o = optim.SGD(m.parameters(), lr=float("inf"))
    else:
        o = optim.LBFGS(m.parameters(), lr=float("inf"), max_iter=1)
    with pytest.raises(NonFiniteLossError, match="at epoch 1, step 1 of 1; training diverged: "
                       "lower the learning rate \\(now inf\\)"):  # fmt: skip
        fit(m, "categorical", o, data, epochs=3, batch_size=500, checkpoint=tmp_path / "c.npz",
            progress="quiet")  # fmt: skip
    assert not (tmp_path / "c.npz").exists()


def test_evaluate_names_non_finite_outputs_and_restores_the_mode(data):
    x, y = data
    m = model().train()
    with pytest.raises(ValueError, match="evaluate: the negative log-likelihood is nan"):
        evaluate(m, "categorical", np.full_like(x, np.nan), y)
    assert m.training
    with pytest.raises(ValueError):  # a label out of range fails inside the loop
        evaluate(m, "categorical", x, np.full_like(y, 99))
    assert m.training  # try/finally: the model is back in training mode
    m.eval()
    evaluate(m, "categorical", x, y)
    assert not m.training
