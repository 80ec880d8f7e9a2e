"""What both estimators share: the network, the MAP objective, the training loop, pickling.

The objective of one epoch is the negative log-posterior per training example,

    J(θ) = -(1/N) Σ_n log p(y_n | x_n; θ) + (α / 2N) ‖W‖²,

the mean negative log-likelihood plus the Gaussian log-prior W ~ N(0, 1/α) on the weights (not
the biases), i.e. MAP estimation. Its gradient on a mini-batch is the batch's mean NLL gradient
plus (α/N) W, which Adam's (coupled) `weight_decay=α/N` adds. scikit-learn's MLPClassifier
divides the penalty by the batch size instead of N; both agree for full-batch training.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import dispatch as D
from .. import nn
from ..autograd import no_grad
from ..optim import Adam
from ..tensor import Tensor
from ._params import ACTIVATIONS, check_common_params, is_int


class LikelihoodMLP(BaseEstimator):
    """Base class: an MLP whose outputs parametrize a likelihood, fitted by MAP with Adam.

    Subclasses define `_prepare_targets`, `_n_outputs`, `_nll` and the predictions.
    """

    # hyper-parameters shared by both estimators (each subclass's __init__ lists them all)
    hidden_layer_sizes: Any
    activation: str
    alpha: float
    batch_size: Any
    learning_rate_init: float
    max_iter: int
    shuffle: bool
    random_state: Any
    tol: float
    verbose: bool
    warm_start: bool
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    dtype: str

    # ---- hooks ------------------------------------------------------------------------------
    def _prepare_targets(self, y: np.ndarray, first: bool, w: Any) -> np.ndarray:
        """The likelihood's targets for labels or values `y` (sample weights `w` or None)."""
        raise NotImplementedError

    def _n_outputs(self) -> int:
        raise NotImplementedError

    def _nll(self, out: Tensor, t: Any, w: Any) -> Tensor:
        """Mean negative log-likelihood per example (weighted by w when given), in nats."""
        raise NotImplementedError

    def _nll_offset(self) -> float:
        """A constant added to the reported NLL (the regressor's change of units)."""
        return 0.0

    def _extra_parameters(self) -> dict[str, nn.Parameter]:
        """Parameters outside the network (the regressor's shared noise scale), by name."""
        return getattr(self, "_extra", {})

    def _stratify(self, t: np.ndarray) -> np.ndarray | None:
        return None

    # ---- validation -------------------------------------------------------------------------
    def _validate_params(self) -> None:
        check_common_params(self)

    def _validate_X(self, X: Any, reset: bool) -> np.ndarray:
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)
        return np.asarray(X, dtype=self.dtype)

    # ---- the network ------------------------------------------------------------------------
    def _layer_sizes(self) -> list[int]:
        hidden = self.hidden_layer_sizes
        hidden = [hidden] if is_int(hidden) else list(hidden)
        return [int(self.n_features_in_), *map(int, hidden), self._n_outputs()]

    def _build(self, arch: tuple[list[int], str, str], rng: Any = None) -> None:
        """A network `model_` of `arch` (layer sizes, activation, dtype), initialized as
        PyTorch does from `rng`, and its Adam optimizer."""
        sizes, act, dtype = arch
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            if i:
                layers.append(ACTIVATIONS[act]())
            layers.append(nn.Linear(a, b, dtype=dtype, generator=rng))
        self.model_ = nn.Sequential(*layers)
        self._arch = arch
        self._init_extra()
        self._make_optimizer()

    def _init_extra(self) -> None:
        """Create `_extra`, the parameters outside the network (none here)."""
        self._extra: dict[str, nn.Parameter] = {}

    def _make_optimizer(self) -> None:
        weights = [p for k, p in self.model_.named_parameters() if k.endswith("weight")]
        others = [p for k, p in self.model_.named_parameters() if not k.endswith("weight")]
        others += list(self._extra_parameters().values())
        groups = [{"params": weights, "weight_decay": 0.0}, {"params": others}]
        self.optimizer_ = Adam(groups, lr=float(self.learning_rate_init))

    def _forward(self, X: np.ndarray, batch: int = 8192) -> np.ndarray:
        """The network's outputs for X, in batches, without recording a graph."""
        self.model_.eval()
        with no_grad():
            outs = [
                self.model_(D.make(X[i : i + batch], None)).numpy() for i in range(0, len(X), batch)
            ]
        return np.concatenate(outs) if outs else np.zeros((0, self._n_outputs()), X.dtype)

    def _penalty(self) -> float:
        """(α/2N)‖W‖² needs N: this returns (α/2)‖W‖²; the caller divides."""
        sq = sum(float(np.sum(np.square(p.numpy(), dtype=np.float64)))
                 for k, p in self.model_.named_parameters() if k.endswith("weight"))  # fmt: skip
        return 0.5 * float(self.alpha) * sq

    # ---- training ---------------------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> LikelihoodMLP:
        self._validate_params()
        fresh = not hasattr(self, "model_") or not (incremental or self.warm_start)
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), reset=fresh,
                             **self._y_options())  # fmt: skip
        X = np.asarray(X, dtype=self.dtype)
        w = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        t = self._prepare_targets(y, fresh, w)
        if fresh:
            self._rng = np.random.default_rng(
                check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            )
            self._build((self._layer_sizes(), self.activation, self.dtype), self._rng)
            self.loss_curve_: list[float] = []
            self.n_iter_, self.t_ = 0, 0
            self.best_loss_: float | None = None
            self.validation_loss_curve_: list[float] | None = None
        elif self._arch[0] != self._layer_sizes() or self._arch[1:] != (
            self.activation,
            self.dtype,
        ):
            raise ValueError(
                f"{type(self).__name__}: the network was built as {self._arch}; "
                f"warm_start/partial_fit cannot continue it with hidden_layer_sizes="
                f"{self.hidden_layer_sizes}, activation={self.activation!r}, dtype={self.dtype!r}"
            )
        for g in self.optimizer_.param_groups:
            g["lr"] = float(self.learning_rate_init)
        if incremental:
            self._epoch(X, t, w)
            self.n_iter_ += 1
            self._end_fit(X, t, w)
            return self
        val = None
        if self.early_stopping:
            X, t, w, val = self._split(X, t, w)
            self.validation_loss_curve_ = []
        self._run(X, t, w, val)
        self._end_fit(X, t, w)
        return self

    def _split(self, X, t, w):
        parts = train_test_split(
            X, t, *(() if w is None else (w,)), test_size=self.validation_fraction,
            random_state=int(self._rng.integers(np.iinfo(np.int32).max)),
            stratify=self._stratify(t),
        )  # fmt: skip
        if w is None:
            X, Xv, t, tv = parts
            return X, t, None, (Xv, tv)
        X, Xv, t, tv, w, _ = parts  # held-out examples are scored unweighted
        return X, t, w, (Xv, tv)

    def _run(self, X, t, w, val) -> None:
        """Epochs until max_iter, or until the monitored loss stops improving by tol."""
        bad, best_val, best_state = 0, np.inf, None
        for _ in range(self.max_iter):
            loss = self._epoch(X, t, w)
            self.n_iter_ += 1
            improved = self.best_loss_ is None or loss < self.best_loss_ - self.tol
            self.best_loss_ = loss if self.best_loss_ is None else min(self.best_loss_, loss)
            if val is not None:
                v = self._val_loss(*val)
                self.validation_loss_curve_.append(v)  # type: ignore[union-attr]
                improved = v < best_val - self.tol
                if v < best_val:
                    best_val, best_state = v, self._snapshot()
            if self.verbose:
                extra = f", validation nll = {v:.8f}" if val is not None else ""
                print(f"Iteration {self.n_iter_}, loss = {loss:.8f}{extra}", file=sys.stdout)
            bad = 0 if improved else bad + 1
            if bad > self.n_iter_no_change:
                if self.verbose:
                    what = "Validation nll" if val is not None else "Training loss"
                    print(f"{what} did not improve more than tol={self.tol} for "
                          f"{self.n_iter_no_change} consecutive epochs. Stopping.")  # fmt: skip
                break
        else:
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )
        if best_state is not None:  # early stopping keeps the weights of the best epoch
            self._restore(best_state)

    def _epoch(self, X: np.ndarray, t: Any, w: Any) -> float:
        """One pass of mini-batch Adam steps over (X, t); returns the epoch's objective J."""
        n = len(X)
        bs = n if self.batch_size == "auto" and n <= 200 else 200
        if self.batch_size != "auto":
            bs = min(int(self.batch_size), n)
        norm = float(np.sum(w)) if w is not None else float(n)
        self.optimizer_.param_groups[0]["weight_decay"] = float(self.alpha) / max(norm, 1e-12)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        self.model_.train()
        total = 0.0
        for i in range(0, n, bs):
            idx = order[i : i + bs]
            wb = None if w is None else w[idx]
            nll = self._nll(self.model_(D.make(X[idx], None)), self._take(t, idx), wb)
            self.optimizer_.zero_grad()
            nll.backward()
            self.optimizer_.step()
            total += nll.item() * (len(idx) if wb is None else float(np.sum(wb)))
        self.t_ += n
        loss = (total + self._penalty()) / max(norm, 1e-12) + self._nll_offset()
        loss = self._end_epoch(loss, norm)
        self.loss_curve_.append(loss)
        return loss

    def _end_epoch(self, loss: float, norm: float) -> float:
        """Called after each epoch with its objective; returns the objective to record."""
        return loss

    def _end_fit(self, X: np.ndarray, t: Any, w: Any) -> None:
        """Called once training stops, with the training data."""

    @staticmethod
    def _take(t: Any, idx: np.ndarray) -> Any:
        return t[idx]

    def _val_loss(self, X: np.ndarray, t: Any) -> float:
        self.model_.eval()
        with no_grad():
            nll = self._nll(self.model_(D.make(X, None)), t, None).item()
        return float(nll) + self._nll_offset()

    def _snapshot(self) -> dict[str, np.ndarray]:
        state = {k: v.numpy().copy() for k, v in self.model_.state_dict().items()}
        state.update({f"_extra.{k}": p.numpy().copy() for k, p in self._extra_parameters().items()})
        return state

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        self.model_.load_state_dict({k: v for k, v in state.items() if not k.startswith("_extra.")})
        with no_grad():
            for k, p in self._extra_parameters().items():
                p.copy_(state[f"_extra.{k}"])

    # ---- scikit-learn plumbing --------------------------------------------------------------
    def _y_options(self) -> dict[str, Any]:
        return {}

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    def _check_fitted(self) -> None:
        check_is_fitted(self)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without tensors: the weights and Adam's state as NumPy arrays."""
        state = super().__getstate__()
        if "model_" in state:
            state = dict(state)
            state["model_"] = self._snapshot()
            state["optimizer_"] = self.optimizer_.state_dict()
            state.pop("_extra", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        weights, opt = state.get("model_"), state.get("optimizer_")
        super().__setstate__(state)
        if isinstance(weights, dict):
            self._build(self._arch)
            self._restore(weights)
            if isinstance(opt, dict):
                self.optimizer_.load_state_dict(opt)
