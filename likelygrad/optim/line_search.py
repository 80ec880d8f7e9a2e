"""Strong-Wolfe line search with cubic interpolation (Nocedal & Wright, Alg. 3.5 and 3.6).

Given a descent direction d at x, it picks a step t along φ(t) = f(x + t d) that decreases f
enough and flattens the slope enough; L-BFGS calls it once per iteration.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Point = tuple[float, float, np.ndarray, float]  # (step t, φ(t), ∇f at x + t d, φ'(t))


def _cubic_minimizer(a: Point, b: Point, lo: float, hi: float) -> float:
    """Minimizer of the cubic matching φ and φ' at two points, clamped to [lo, hi].

    Nocedal & Wright eq. (3.59), with the points labelled so that b is the larger step. When the
    cubic has no minimizer (or the points coincide) we bisect [lo, hi] instead.
    """
    if a[0] > b[0]:
        a, b = b, a
    (ta, fa, _, ga), (tb, fb, _, gb) = a, b
    if ta == tb:
        return (lo + hi) / 2
    d1 = ga + gb - 3 * (fa - fb) / (ta - tb)
    disc = d1**2 - ga * gb
    if disc < 0:
        return (lo + hi) / 2
    d2 = math.sqrt(disc)
    denominator = gb - ga + 2 * d2
    if denominator == 0:
        return (lo + hi) / 2
    t = tb - (tb - ta) * ((gb + d2 - d1) / denominator)
    return min(max(t, lo), hi)


def strong_wolfe(
    phi: Callable[[float], tuple[float, np.ndarray]],
    direction: np.ndarray,
    start: Point,
    t: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_evals: int = 25,
) -> tuple[Point, int]:
    """Line search for a step t with f(x + t d) ≤ f(x) + c1 t φ'(0) and |φ'(t)| ≤ c2 |φ'(0)|.

    ``phi(t)`` returns f and ∇f at x + t d; ``start`` is the point t = 0. Nocedal & Wright
    Alg. 3.5 grows t by safeguarded cubic extrapolation until an interval must contain an
    acceptable step, then Alg. 3.6 ("zoom") shrinks it by cubic interpolation. Details follow
    minFunc, as torch.optim.LBFGS does: trial steps are kept 10% inside the interval when
    interpolation stalls near an end, and the f(t_i) ≥ f(t_{i-1}) test starts at the third trial.
    Returns the accepted point and the number of ``phi`` calls (at most ``max_evals`` beyond the
    first).
    """
    f0, gtd0 = start[1], start[3]

    def evaluate(step: float) -> Point:
        f, g = phi(step)
        return (step, f, g, float(g @ direction))

    def armijo_fails(p: Point) -> bool:
        return p[1] > f0 + c1 * p[0] * gtd0

    def curvature_holds(p: Point) -> bool:
        return abs(p[3]) <= -c2 * gtd0

    # Alg. 3.5: extrapolate until [previous, current] brackets an acceptable step
    previous, current = start, evaluate(t)
    evals, trials = 1, 0
    while True:
        if trials >= max_evals:  # out of budget: keep the better of x and the last trial
            return (start if f0 <= current[1] else current), evals
        if armijo_fails(current) or (trials > 1 and current[1] >= previous[1]):
            break
        if curvature_holds(current):
            return current, evals
        if current[3] >= 0:  # the slope turned: a minimum lies between the two steps
            break
        t_prev, t = previous[0], current[0]
        step = _cubic_minimizer(previous, current, t + 0.01 * (t - t_prev), 10 * t)
        previous, current = current, evaluate(step)
        evals += 1
        trials += 1

    # Alg. 3.6: bracket[lo] is the best acceptable-so-far end, bracket[hi] the other end
    bracket = [previous, current]
    lo, hi = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
    max_d = float(np.max(np.abs(direction)))
    stalled = False
    while trials < max_evals:
        left, right = sorted((bracket[0][0], bracket[1][0]))
        if (right - left) * max_d < tolerance_change:
            break
        step = _cubic_minimizer(bracket[0], bracket[1], left, right)
        margin = 0.1 * (right - left)
        if min(right - step, step - left) < margin:  # too close to an end to make progress
            if stalled or step >= right or step <= left:
                step = right - margin if abs(step - right) < abs(step - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        new = evaluate(step)
        evals += 1
        trials += 1
        if armijo_fails(new) or new[1] >= bracket[lo][1]:
            bracket[hi] = new
            lo, hi = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
            continue
        if curvature_holds(new):
            return new, evals
        if new[3] * (bracket[hi][0] - bracket[lo][0]) >= 0:
            bracket[hi] = bracket[lo]  # the minimum lies on the other side of the new point
        bracket[lo] = new
    return bracket[lo], evals
