"""A tensor prints as PyTorch's does: digits, widths, wrapping, summaries and suffixes."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg

RNG = np.random.default_rng(0)
NORMAL = RNG.standard_normal(400)
SPREAD = NORMAL * 10.0 ** RNG.integers(-6, 6, 400)
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, 2.5, -1.0])

# (name, array): one per formatting rule torch applies
CASES = [
    ("four-decimals", NORMAL[:8].astype(np.float32)),  # 0.6370, not NumPy's 0.637
    ("whole-floats", np.array([[1.0, 0.0, 1.0], [-3.0, 12.0, 1.0]], np.float32)),
    ("scalar", np.float32(3.5)),
    ("scalar-int", np.int64(-7)),
    ("wraps-at-80", NORMAL[:30].reshape(3, 10).astype(np.float32) * 100),
    ("long-row", NORMAL[:40].astype(np.float32)),
    ("scientific", SPREAD[:12].astype(np.float32)),
    ("huge", np.array([1e9, 2.0], np.float32)),
    ("tiny", np.array([1e-5, 0.5], np.float32)),
    ("nan-inf", SPECIAL.astype(np.float32)),
    ("nan-inf-whole", np.array([np.nan, 1.0, -np.inf], np.float32)),
    ("all-zero", np.zeros(3, np.float32)),
    ("summarized-1d", np.arange(2000, dtype=np.int64)),
    ("summarized-2d", NORMAL[:1].astype(np.float32) + np.zeros((40, 40), np.float32)),
    ("summarized-3d", np.arange(3 * 4 * 100).reshape(3, 4, 100)),
    ("ints", np.array([[-100, 2], [3, 45]])),
    ("bools", np.array([True, False, True])),
    ("3d", NORMAL[:24].reshape(2, 3, 4).astype(np.float32)),
    ("empty", np.zeros(0, np.float32)),
    ("empty-2d", np.zeros((0, 3), np.float32)),
]


@pytest.mark.parametrize("values", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_repr_matches_torch(values):
    torch = pytest.importorskip("torch")
    assert repr(lg.tensor(values)) == repr(torch.tensor(values))


@pytest.mark.parametrize(
    "values",
    [np.arange(3, dtype=np.int32), np.ones(2), np.zeros((0, 2), np.int64), np.array([1 + 2j])],
    ids=["int32", "float64", "empty-int64", "complex128"],
)
def test_dtype_suffix_matches_torch_but_for_the_module_name(values):
    torch = pytest.importorskip("torch")
    assert repr(lg.tensor(values)) == repr(torch.tensor(values)).replace("torch.", "lg.")


def test_suffixes_wrap_past_80_columns_as_torch_does():
    torch = pytest.importorskip("torch")
    values = NORMAL[:20].reshape(2, 10)  # float64: dtype and requires_grad both named
    got = repr(lg.tensor(values.astype(np.float32), requires_grad=True))
    assert got == repr(torch.tensor(values.astype(np.float32), requires_grad=True))
    wrapped = repr(lg.tensor(NORMAL[:7], requires_grad=True))  # a 71-column last line
    assert wrapped == repr(torch.tensor(NORMAL[:7], requires_grad=True)).replace("torch.", "lg.")
    assert wrapped.endswith("1.3040],\n       dtype=lg.float64, requires_grad=True)")


def test_grad_fn_and_parameter():
    w = lg.nn.Parameter(lg.tensor([0.5, -1.0]))
    assert repr(w) == "Parameter containing:\ntensor([ 0.5000, -1.0000], requires_grad=True)"
    assert repr(w * 2) == "tensor([ 1., -2.], grad_fn=<MulBackward>)"
    assert f"{(w * 2).sum()}" == "-1.0"  # a 0-d tensor formats as its number, as in torch
