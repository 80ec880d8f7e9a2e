"""`lg.autograd.detect_anomaly()`: a forward or backward that produces nan or inf raises at
once, naming the op, its input shapes and the line of user code that made the node; outside
the mode nothing is checked or recorded."""

from __future__ import annotations

import inspect
import re
import threading

import numpy as np
import pytest

import likelygrad as lg

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), 1/0 on purpose


def _line_of(marker: str) -> int:
    """The line number in this file of the source line that holds `marker`."""
    lines = inspect.getsource(inspect.getmodule(_line_of)).splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text and "_line_of" not in text)


def test_a_nan_in_the_forward_raises_naming_op_shapes_and_line():
    x = lg.tensor(np.ones((2, 3)), requires_grad=True)
    with lg.autograd.detect_anomaly():
        with pytest.raises(RuntimeError) as info:
            (x - 2).log()  # forward-nan-here
    message = str(info.value)
    assert "the output of Log holds nan or inf" in message
    assert "(input shapes (2, 3))" in message
    assert f"{__file__}:{_line_of('# forward-nan-here')}" in message
    assert "(x - 2).log()" in message  # the user's code itself


def test_an_inf_in_the_forward_of_a_binary_op_names_both_shapes():
    x, y = lg.tensor([1.0, 2.0], requires_grad=True), lg.zeros(3, 1)
    with lg.autograd.detect_anomaly(), pytest.raises(RuntimeError) as info:
        x / y
    assert "the output of Div" in str(info.value) and "(2,), (3, 1)" in str(info.value)


def test_a_nan_in_the_backward_names_the_op_and_the_line_that_created_it():
    x = lg.tensor([4.0, 0.0, 1.0], requires_grad=True)
    x.grad = lg.tensor([7.0, 7.0, 7.0])
    with lg.autograd.detect_anomaly():
        root = x.sqrt()  # made-here: finite forward, infinite slope at 0
        loss = (root * 3).sum()
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    message = str(info.value)
    assert re.search(r"gradient Sqrt's VJP returned for input 0 holds nan or inf", message)
    assert f"{__file__}:{_line_of('# made-here')}" in message
    assert x.grad.tolist() == [7.0, 7.0, 7.0]  # and the failed backward changed nothing


def test_a_graph_made_outside_the_mode_is_still_checked_in_backward_without_a_line():
    x = lg.tensor([0.0], requires_grad=True)
    loss = x.sqrt().sum()
    with lg.autograd.detect_anomaly(), pytest.raises(RuntimeError) as info:
        loss.backward()
    assert "Sqrt" in str(info.value) and "created at" not in str(info.value)


def test_outside_the_mode_nothing_is_checked_or_recorded():
    assert not lg.autograd.is_anomaly_enabled()
    x = lg.tensor([0.0, 1.0], requires_grad=True)
    y = x.log()  # -inf: allowed
    z = x.sqrt()
    assert y.grad_fn.meta is None and z.grad_fn.meta is None  # no creation stack kept
    z.sum().backward()
    assert np.isinf(x.grad.numpy()[0])
    with lg.autograd.detect_anomaly():
        w = x * 2
    assert "stack" in w.grad_fn.meta  # recorded only inside the mode
    assert (x * 3).grad_fn.meta is None


def test_the_mode_checks_only_what_autograd_records():
    """Constants (no input requires grad) are not graph nodes: building a mask of -inf is
    fine inside the mode."""
    with lg.autograd.detect_anomaly():
        mask = lg.zeros(3).masked_fill(lg.tensor([True, False, True]), -np.inf)
        with lg.no_grad():
            lg.tensor([0.0], requires_grad=True).log()
    assert mask.tolist()[0] == -np.inf


def test_mode_switches_nest_and_restore():
    assert not lg.autograd.is_anomaly_enabled()
    with lg.autograd.detect_anomaly():
        assert lg.autograd.is_anomaly_enabled()
        with lg.autograd.detect_anomaly(check_nan=False):  # torch: on, without the nan check
            assert lg.autograd.is_anomaly_enabled()
            assert not lg.autograd.is_anomaly_check_nan_enabled()
            lg.tensor([0.0], requires_grad=True).log()  # not checked here
        assert lg.autograd.is_anomaly_enabled()
    assert not lg.autograd.is_anomaly_enabled()
    lg.autograd.set_detect_anomaly(True)
    try:
        with pytest.raises(RuntimeError, match="Log"):
            lg.tensor([0.0], requires_grad=True).log()
    finally:
        lg.autograd.set_detect_anomaly(False)
    with pytest.raises(KeyError), lg.autograd.detect_anomaly():
        raise KeyError("any error inside the block")
    assert not lg.autograd.is_anomaly_enabled()  # restored after an exception too


def test_the_mode_reaches_ops_of_every_kind():
    x = lg.tensor([[0.0, 1.0], [2.0, 3.0]], dtype=lg.float64, requires_grad=True)
    cases = {
        "Pow": lambda: x ** lg.tensor(-1.0),
        "Einsum": lambda: lg.einsum("ij,jk->ik", x, lg.tensor([[np.inf], [1.0]])),
        "VectorNorm": lambda: lg.linalg.vector_norm(x, 700),  # 3^700 overflows
        "Cumprod": lambda: lg.cumprod(x * 1e200, 0),
    }
    for name, f in cases.items():
        with lg.autograd.detect_anomaly(), pytest.raises(RuntimeError, match=f"of {name} holds"):
            f()


def test_an_anomaly_in_one_thread_is_reported_in_that_thread():
    errors = []

    def worker():
        try:
            with lg.autograd.detect_anomaly():
                lg.tensor([0.0], requires_grad=True).log()
        except RuntimeError as e:
            errors.append(str(e))

    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert len(errors) == 1 and "Log" in errors[0]
