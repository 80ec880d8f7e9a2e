"""L-BFGS for full-batch problems, with an optional strong-Wolfe line search.

Full-batch maximum likelihood (logistic regression, small GLMs) is smooth and deterministic, so a
quasi-Newton method that models the curvature converges in far fewer steps than SGD.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .line_search import strong_wolfe
from .optimizer import Optimizer, check_nonnegative


def _as_float(loss: Any) -> float:
    """The closure's loss as a Python float (it may be a float or have ``.item()``)."""
    return float(loss.item()) if hasattr(loss, "item") else float(loss)


class LBFGS(Optimizer):
    r"""Limited-memory BFGS with torch.optim.LBFGS's iterations, tolerances and counts.

    ``step(closure)`` runs up to ``max_iter`` iterations of::

        d_k = -H_k ∇f(θ_k)        (H_k from the last history_size pairs by the two-loop recursion,
                                   H_0 = (sᵀy / yᵀy) I; pairs with sᵀy ≤ 1e-10 are skipped)
        θ_{k+1} = θ_k + t_k d_k   (t_k = lr, or a strong-Wolfe line search from t = lr; the very
                                   first step uses min(1, 1/‖∇f‖₁) · lr)
        s_k = θ_{k+1} - θ_k,  y_k = ∇f(θ_{k+1}) - ∇f(θ_k)

    stopping when max|∇f| ≤ tolerance_grad, when the step, the loss change or the directional
    derivative drops below tolerance_change, or after ``max_eval`` closure calls.

    The closure must zero the gradients, compute the loss, run backward and return the loss (a
    float or anything with ``.item()``). Only one parameter group is supported. All state lives
    under the first parameter, as in torch; ``state["func_evals"]`` counts closure calls.
    Scalars are kept in Python floats (float64) even for float32 parameters.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_iter * 5 // 4 if max_eval is None else max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add the single parameter group; a second one raises ValueError."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        for name in ("max_iter", "max_eval", "history_size"):
            if not (isinstance(group[name], int) and group[name] >= 1):
                raise ValueError(f"Invalid {name}: {group[name]!r} (need an int >= 1)")
        check_nonnegative(group["tolerance_grad"], "tolerance_grad")
        check_nonnegative(group["tolerance_change"], "tolerance_change")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"Invalid line_search_fn: {group['line_search_fn']!r} "
                "(only None and 'strong_wolfe' are supported)"
            )

    def _state_dtype(self, param: Any) -> np.dtype:
        # the state holds flat vectors over all parameters (see _flat_grad), so a resumed run
        # keeps their dtype, not the first parameter's (float32 and float64 make float64)
        return np.result_type(*(p.array for p in self.param_groups[0]["params"]))

    def _loaded_state_problems(self, index: int, state: dict[str, Any]) -> list[str]:
        n = sum(p.array.size for p in self.param_groups[0]["params"])

        def vector(v: Any) -> bool:
            return isinstance(v, np.ndarray) and v.shape == (n,)

        def real(v: Any) -> bool:  # loaded_value has turned NumPy scalars into Python ones
            return type(v) in (int, float)

        def count(v: Any) -> bool:
            return type(v) is int and v >= 0

        expected = {
            "func_evals": (count, "an integer >= 0"),
            "n_iter": (count, "an integer >= 0"),
            "direction": (vector, f"a vector of {n} numbers"),
            "prev_flat_grad": (vector, f"a vector of {n} numbers"),
            "s": (lambda v: isinstance(v, list) and all(map(vector, v)), f"a list of {n}-vectors"),
            "y": (lambda v: isinstance(v, list) and all(map(vector, v)), f"a list of {n}-vectors"),
            "rho": (lambda v: isinstance(v, list) and all(map(real, v)), "a list of numbers"),
            "step_length": (real, "a number"),
            "hessian_scale": (real, "a number"),
            "prev_loss": (real, "a number"),
        }
        problems = [
            f"{key} of parameter {index} must be {what}"
            for key, (ok, what) in expected.items()
            if key in state and not ok(state[key])
        ]
        lengths = {len(state[k]) for k in ("s", "y", "rho") if isinstance(state.get(k), list)}
        if len(lengths) > 1:
            problems.append(f"s, y and rho of parameter {index} differ in length")
        return problems

    def _flat_grad(self) -> np.ndarray:
        params = self.param_groups[0]["params"]
        dtype = np.result_type(*(p.array for p in params))
        # np.ravel, not .ravel(): a 0-d gradient may arrive as a NumPy scalar or a Python float
        grads = [
            np.zeros(p.array.size, dtype) if p.grad is None else np.ravel(p.grad.array)
            for p in params
        ]
        return np.concatenate(grads).astype(dtype, copy=False)

    def _add(self, t: float, direction: np.ndarray) -> None:
        offset = 0
        for p in self.param_groups[0]["params"]:
            p.array += t * direction[offset : offset + p.array.size].reshape(p.array.shape)
            offset += p.array.size

    def _evaluate_at(
        self, closure: Callable[[], Any], x: np.ndarray, t: float, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at x + t d; the parameters are put back to x afterwards."""
        params = self.param_groups[0]["params"]
        views, offset = [], 0
        for p in params:
            n = p.array.size
            views.append((x[offset : offset + n].reshape(p.array.shape), d[offset : offset + n]))
            offset += n
        for p, (x_view, d_view) in zip(params, views):
            np.multiply(d_view.reshape(p.array.shape), t, out=p.array)
            p.array += x_view
        loss = _as_float(closure())
        grad = self._flat_grad()
        for p, (x_view, _) in zip(params, views):
            np.copyto(p.array, x_view)
        return loss, grad

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise ValueError(
                "LBFGS.step needs a closure that zeroes the gradients, computes the loss, "
                "runs backward and returns the loss"
            )
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad = float(group["tolerance_grad"])
        tolerance_change = float(group["tolerance_change"])
        history_size = group["history_size"]
        state = self.state[group["params"][0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        first_loss = closure()
        loss = _as_float(first_loss)
        evals = 1
        state["func_evals"] += 1
        grad = self._flat_grad()
        if np.max(np.abs(grad)) <= tolerance_grad:
            return first_loss

        # the memory carried over from the previous step() (unused before the first iteration)
        d: np.ndarray = state.get("direction", grad)
        t: float = state.get("step_length", lr)
        s_hist: list[np.ndarray] = state.get("s", [])
        y_hist: list[np.ndarray] = state.get("y", [])
        rho_hist: list[float] = state.get("rho", [])
        h0: float = state.get("hessian_scale", 1.0)
        prev_grad: np.ndarray = state.get("prev_flat_grad", grad)
        prev_loss: float = state.get("prev_loss", loss)
        converged = False
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, s_hist, y_hist, rho_hist, h0 = -grad, [], [], [], 1.0
            else:
                y, s = grad - prev_grad, d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only if it preserves positive curvature
                    if len(s_hist) == history_size:
                        del s_hist[0], y_hist[0], rho_hist[0]
                    s_hist.append(s)
                    y_hist.append(y)
                    rho_hist.append(1.0 / ys)
                    h0 = ys / float(y @ y)
                d = _two_loop(grad, s_hist, y_hist, rho_hist, h0)
            prev_grad, prev_loss = grad, loss
            t = min(1.0, 1.0 / float(np.sum(np.abs(grad)))) * lr if state["n_iter"] == 1 else lr
            gtd = float(grad @ d)
            if gtd > -tolerance_change:  # not a descent direction any more
                break

            new_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x = np.concatenate([p.array.ravel() for p in group["params"]])

                def phi(
                    step: float, x: np.ndarray = x, d: np.ndarray = d
                ) -> tuple[float, np.ndarray]:
                    return self._evaluate_at(closure, x, step, d)

                # like torch, the line search keeps its own interval tolerance (1e-9)
                (t, loss, grad, _), new_evals = strong_wolfe(
                    phi, d, (0.0, loss, grad, gtd), t, max_evals=max_eval - evals
                )
                self._add(t, d)
                converged = bool(np.max(np.abs(grad)) <= tolerance_grad)
            else:
                self._add(t, d)
                if n_iter != max_iter:  # the last iteration's loss would go unused
                    loss = _as_float(closure())
                    grad = self._flat_grad()
                    converged = bool(np.max(np.abs(grad)) <= tolerance_grad)
                    new_evals = 1
            evals += new_evals
            state["func_evals"] += new_evals

            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if np.max(np.abs(d * t)) <= tolerance_change:  # the step hardly moved θ
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(
            direction=d,
            step_length=t,
            s=s_hist,
            y=y_hist,
            rho=rho_hist,
            hessian_scale=h0,
            prev_flat_grad=prev_grad,
            prev_loss=prev_loss,
        )
        return first_loss


def _two_loop(
    grad: np.ndarray,
    s_hist: list[np.ndarray],
    y_hist: list[np.ndarray],
    rho_hist: list[float],
    h0: float,
) -> np.ndarray:
    """-H ∇f by the L-BFGS two-loop recursion (Nocedal & Wright Alg. 7.4), H_0 = h0 · I."""
    q = -grad
    alphas = [0.0] * len(s_hist)
    for i in range(len(s_hist) - 1, -1, -1):
        alphas[i] = float(s_hist[i] @ q) * rho_hist[i]
        q -= alphas[i] * y_hist[i]
    q *= h0
    for s, y, rho, alpha in zip(s_hist, y_hist, rho_hist, alphas):
        q += (alpha - float(y @ q) * rho) * s
    return q
