"""The portable erf/erfc kernel (likelygrad/special.py) against Python's math.erf/math.erfc, which
are accurate to the last bit; and the same kernel on array_api_strict arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.backend import NUMPY
from likelygrad.special import erf_array, erfc_array

# dense where the two expansions meet (|x| = 1.5), out to where erfc underflows
GRID = np.concatenate(
    [np.linspace(-28, 28, 40_001), np.linspace(1.45, 1.55, 2001), [0.0, 1e-300, 5e-324, 1.5]]
)
GRID = np.concatenate([GRID, -GRID])


def reference(fn, x):
    return np.array([fn(float(v)) for v in x])


def relative_error(ours, exact):
    """Relative error where the exact value is a normal float; absolute below that."""
    normal = np.abs(exact) >= np.finfo(np.float64).tiny
    assert np.all(np.abs(ours[~normal] - exact[~normal]) <= np.finfo(np.float64).tiny)
    return np.max(np.abs(ours[normal] - exact[normal]) / np.abs(exact[normal]))


def test_float64_erf_and_erfc_are_accurate_to_about_an_ulp():
    assert relative_error(erf_array(NUMPY, GRID), reference(math.erf, GRID)) < 1e-15
    # erfc below 1.5 is 1 - erf: at most 5 bits lost where erfc is smallest there (0.034)
    assert relative_error(erfc_array(NUMPY, GRID), reference(math.erfc, GRID)) < 2e-14


def test_float32_results_are_correctly_rounded_to_half_an_ulp():
    x = GRID.astype(np.float32)
    for ours, fn in ((erf_array(NUMPY, x), math.erf), (erfc_array(NUMPY, x), math.erfc)):
        assert ours.dtype == np.float32
        exact = reference(fn, x.astype(np.float64))
        normal = np.abs(exact) > np.finfo(np.float32).tiny
        err = np.abs(ours[normal] - exact[normal]) / np.abs(exact[normal])
        assert err.max() <= np.finfo(np.float32).eps / 2 * 1.01


def test_special_values():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 30.0, -30.0])
    np.testing.assert_array_equal(erf_array(NUMPY, x), [1, -1, np.nan, 0, -0.0, 1, -1])
    np.testing.assert_array_equal(erfc_array(NUMPY, x), [0, 2, np.nan, 1, 1, 0, 2])
    assert np.signbit(erf_array(NUMPY, np.array(-0.0)))  # erf is odd, down to the sign of 0
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no branch overflows
        erf_array(NUMPY, np.array([1e308, -1e308, 0.0, 5e-324]))


def test_erf_of_float16_and_0d_keeps_dtype_and_shape():
    h = lg.tensor(np.array([0.5, -2.0], np.float16)).erf()
    assert h.dtype == np.float16
    np.testing.assert_allclose(h.numpy(), [math.erf(0.5), math.erf(-2.0)], rtol=1e-3)
    assert lg.erf(lg.tensor(0.25)).shape == () and lg.erfc(lg.tensor(2)).dtype == lg.float32


def test_kernel_runs_on_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    x = np.linspace(-6, 6, 97)
    ours = erfc_array(lg.tensor(xps.asarray(x)).array.__array_namespace__(), xps.asarray(x))
    np.testing.assert_allclose(np.asarray(ours), reference(math.erfc, x), rtol=1e-14)


def test_gelu_is_x_times_the_normal_cdf():
    x = np.linspace(-10, 10, 201)
    phi = 0.5 * reference(math.erfc, -x / math.sqrt(2))
    # rtol: rounding x/√2 alone moves erfc(x/√2) by up to x²ε relative
    np.testing.assert_allclose(lg.nn.functional.gelu(lg.tensor(x)).numpy(), x * phi, rtol=1e-13)
