"""The error function, written once for every array library (NumPy has none).

    erf(x)  = 2/√π ∫₀ˣ e^{-t²} dt,        erfc(x) = 1 - erf(x),        Φ(x) = ½ erfc(-x/√2)

`erf_array(xp, x)` and `erfc_array(xp, x)` compute on raw arrays with Array API calls only (the
`Erf`, `Erfc` and `Gelu` ops call them); `erf(t)` and `erfc(t)` are torch.special's tensor forms.

Two expansions, each used where it converges fast; both sum positive terms, so nothing cancels:

1. |x| < 1.5, the series (Abramowitz & Stegun 7.1.6): y = e^{x²} erf(x) solves y' = 2xy + 2/√π,
   and matching powers of x in that equation gives
       erf(x) = 2/√π · e^{-x²} · Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·5···(2n+1)).
   Term n+1 is term n times 2x²/(2n+3), so the terms shrink once n > x². At |x| = 1.5, 25 terms
   leave a relative remainder below 2·10⁻¹⁷.
2. |x| ≥ 1.5, the continued fraction (A&S 7.1.14) for the small tail:
       erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
   evaluated from a fixed depth K upwards (f ← x + (k/2)/f for k = K..1). K = 80 gives a relative
   error below 1.3·10⁻¹⁵ at x = 1.5, and less further out. e^{-x²} is formed as
   e^{-h²}·e^{-(2h + l)l} with x = h + l and h a multiple of 1/16, so h² is exact: the rounding of
   x² would otherwise cost up to x²·ε of relative accuracy in the far tail (6·10⁻¹⁴ at x = 25).

erf is odd and erfc(-x) = 2 - erfc(x), so only |x| is expanded. Where one is 1 minus the other
(erf for |x| ≥ 1.5, erfc for |x| < 1.5) the result stays accurate: erf ≥ 0.966 there, and erfc ≥
0.034 loses at most 5 bits to the subtraction. Measured against Python's `math.erf`/`math.erfc`
(tests/test_nn_special.py): erf within 1e-15 relative, erfc within 2e-14, in float64. Narrower
floats are computed in float64 with 16 terms and depth 40 (relative error ~1e-10) and rounded once,
so float32 results are within half an ulp. Both branches are evaluated everywhere (arrays have no
per-element branches); each sees its input clipped into its own range, so neither overflows.
"""

from __future__ import annotations

import math
from typing import Any

_T = 1.5  # where the series hands over to the continued fraction
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_ONE_OVER_SQRT_PI = 1.0 / math.sqrt(math.pi)
_FAR = 28.0  # erfc(x) < 1e-325 for x > 27.3: 0 in every float format


def _terms(xp: Any, x: Any) -> tuple[int, int]:
    """(series terms, continued-fraction depth) enough for the precision of x's dtype."""
    return (25, 80) if xp.finfo(x.dtype).eps < 1e-10 else (16, 40)


def _exp_minus_square(xp: Any, x: Any) -> Any:
    """e^{-x²} for x ≥ 0, with x = h + l, h = round(16x)/16: h² is exact in binary."""
    h = xp.round(x * 16.0) / 16.0
    lo = x - h
    return xp.exp(-(h * h)) * xp.exp(-((2.0 * h + lo) * lo))


def _series(xp: Any, a: Any, n_terms: int) -> Any:
    """erf(a) for 0 ≤ a ≤ 1.5 by the positive series, Horner's rule from the last term."""
    y = 2.0 * a * a
    s = xp.ones_like(a)
    for n in range(n_terms, 0, -1):  # s ← 1 + y/(2n+1) · s
        s = s * (y * (1.0 / (2 * n + 1))) + 1.0
    return _TWO_OVER_SQRT_PI * a * xp.exp(-a * a) * s


def _tail(xp: Any, a: Any, depth: int) -> Any:
    """erfc(a) for 1.5 ≤ a ≤ 27 by the continued fraction, evaluated bottom-up."""
    f = a
    for k in range(depth, 0, -1):
        f = a + (0.5 * k) / f
    return _ONE_OVER_SQRT_PI * _exp_minus_square(xp, a) / f


def _parts(xp: Any, x: Any, n_terms: int, depth: int) -> tuple[Any, Any, Any]:
    """(|x| < 1.5 as a mask, erf of |x| by the series, erfc of |x| by the fraction)."""
    a = xp.abs(x)
    small = a < _T
    near = _series(xp, xp.minimum(a, xp.full_like(a, _T)), n_terms)
    far = _tail(xp, xp.clip(a, _T, _FAR), depth)
    return small, near, far


def _wide(xp: Any, x: Any) -> Any:
    """x in float64: narrower floats are computed wide and rounded once at the end, so
    1 - erf keeps their full precision."""
    return x if x.dtype == xp.float64 else xp.astype(x, xp.float64)


def erf_array(xp: Any, x: Any) -> Any:
    """erf of a floating-point array, elementwise, with Array API calls only (nan stays nan)."""
    w = _wide(xp, x)
    n_terms, depth = _terms(xp, x)
    small, near, far = _parts(xp, w, n_terms, depth)
    magnitude = xp.where(small, near, 1.0 - far)
    out = xp.where(xp.signbit(w), -magnitude, magnitude)  # erf is odd, down to erf(-0) = -0
    return out if w is x else xp.astype(out, x.dtype)


def erfc_array(xp: Any, x: Any) -> Any:
    """erfc = 1 - erf, elementwise, accurate in the tail where 1 - erf would round to 0."""
    w = _wide(xp, x)
    n_terms, depth = _terms(xp, x)
    small, near, far = _parts(xp, w, n_terms, depth)
    upper = xp.where(small, 1.0 - near, far)  # erfc(|x|)
    lower = xp.where(small, 1.0 + near, 2.0 - far)  # erfc(-|x|) = 2 - erfc(|x|)
    out = xp.where(w < 0, lower, xp.where(xp.isnan(w), w, upper))
    return out if w is x else xp.astype(out, x.dtype)


def erf(input: Any) -> Any:
    """torch.special.erf: the error function of a tensor (differentiable)."""
    return input.erf()


def erfc(input: Any) -> Any:
    """torch.special.erfc: 1 - erf, accurate where erf is close to 1 (differentiable)."""
    return input.erfc()
