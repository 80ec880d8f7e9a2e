"""Check the engine's gradients against central finite differences, in float64.

For f: inputs -> output and random vectors v (output-shaped) and u (input-shaped), the chain
rule says ⟨Jᵀv, u⟩ = ⟨v, J u⟩. The left side is what backward computes (the VJP with seed v);
the right side is a directional derivative, estimated by
    (⟨v, f(x + εu)⟩ - ⟨v, f(x - εu)⟩) / 2ε
So one backward and two forward passes test the whole Jacobian at once. Only when that check
fails do we take per-element differences, to say where the gradient is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import no_grad
from .backend import backend_of
from .dispatch import make
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when analytic and numeric gradients disagree."""


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    directions: int = 2,
    seed: int = 0,
) -> bool:
    """True if `fn`'s gradients match finite differences; raises GradcheckError otherwise.

    Inputs that are tensors with requires_grad=True are checked (every floating input when none
    is marked); all are converted to float64 copies first. The error names the input, the
    largest error and its index.
    """
    rng = np.random.default_rng(seed)
    marked = [isinstance(x, Tensor) and x.requires_grad for x in inputs]
    floats = [_is_float(x) for x in inputs]
    check = marked if any(marked) else floats
    if not any(check):
        raise ValueError("gradcheck: no floating-point input to differentiate")
    # float64 copies in each input's own array library (NumPy, or e.g. array_api_strict)
    base = [_float64(x) if c else x for x, c in zip(inputs, check)]
    libs = [backend_of(b) if c else None for b, c in zip(base, check)]

    def call(arrays: list[Any], grad: bool = False) -> tuple[Tensor, list[Any]]:
        args = [make(a, None).requires_grad_(grad) if c else a for a, c in zip(arrays, check)]
        out = fn(*args)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
        return out, args

    out, args = call(base, grad=True)
    if out.dtype != np.float64:
        raise GradcheckError(f"gradcheck: fn returned {out.dtype} for float64 inputs")
    v = rng.standard_normal(out.shape)
    out.backward(make(backend_of(out.array).asarray(v, device=out.device), None))

    def objective(arrays: list[Any]) -> float:
        with no_grad():
            return float(np.sum(call(arrays)[0].numpy(force=True) * v))

    for i, (a, c) in enumerate(zip(args, check)):
        if not c:
            continue
        g = np.zeros(a.shape) if a.grad is None else a.grad.numpy(force=True)
        if g.shape != a.shape or g.dtype != np.float64:
            raise GradcheckError(
                f"gradcheck: input {i}: gradient has shape {tuple(g.shape)} and dtype {g.dtype}, "
                f"expected {tuple(a.shape)} float64"
            )
        to_lib = _mover(libs[i], base[i])
        for _ in range(directions):
            u = rng.standard_normal(a.shape)
            numeric = _directional(objective, base, i, to_lib(u), eps)
            analytic = float(np.sum(g * u))
            if abs(analytic - numeric) > atol + rtol * abs(numeric):
                raise GradcheckError(_locate(objective, base, i, g, eps, analytic, numeric, to_lib))
    return True


def _is_float(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.dtype.kind == "f"
    if hasattr(x, "__array_namespace__") and not isinstance(x, np.ndarray | np.generic):
        return backend_of(x).dtype_of(x).kind == "f"
    return np.asarray(x).dtype.kind == "f"


def _float64(x: Any) -> Any:
    a = x.array if isinstance(x, Tensor) else x
    if isinstance(a, np.ndarray | np.generic) or not hasattr(a, "__array_namespace__"):
        return np.array(a, dtype=np.float64)
    lib = backend_of(a)
    return lib.asarray(a, dtype=np.float64, device=lib.device_of(a), copy=True)


def _mover(lib: Any, like: Any) -> Any:
    """A function putting NumPy directions into the input's library and device."""
    if isinstance(like, np.ndarray):
        return lambda u: u
    return lambda u: lib.asarray(u, device=lib.device_of(like))


def _directional(objective, arrays: list[Any], i: int, u: np.ndarray, eps: float) -> float:
    plus, minus = list(arrays), list(arrays)
    plus[i], minus[i] = arrays[i] + eps * u, arrays[i] - eps * u
    return (objective(plus) - objective(minus)) / (2 * eps)


def _locate(objective, arrays, i, g, eps, analytic, numeric, to_lib, limit: int = 4096) -> str:
    """Per-element differences (up to `limit` elements) to find the worst one."""
    head = (
        f"gradcheck: input {i} {tuple(g.shape)}: directional derivative {analytic:.6g} from "
        f"backward vs {numeric:.6g} from finite differences"
    )
    x = np.zeros(g.shape)
    flat_idx = np.arange(x.size)[:limit]
    errs = []
    for k in flat_idx:
        e = np.zeros(x.size)
        e[k] = 1.0
        num_k = _directional(objective, arrays, i, to_lib(e.reshape(x.shape)), eps)
        errs.append((abs(g.flat[k] - num_k), k, g.flat[k], num_k))
    err, k, a_k, n_k = max(errs)
    where = np.unravel_index(k, x.shape) if x.ndim else ()
    return (
        f"{head}; largest error {err:.3g} at index {tuple(int(j) for j in where)}: "
        f"backward gives {a_k:.6g}, finite differences {n_k:.6g}"
    )
