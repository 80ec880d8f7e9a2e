"""`LikelihoodRegressor`: an MLP whose outputs parametrize a Gaussian likelihood.

Targets are standardized before training, y' = (y - m) / s with the training set's mean and
standard deviation, and the network models y' ~ N(μ(x), σ²). Predictions are mapped back:
mean m + s μ(x), standard deviation s σ. The change of variables shifts the log-likelihood by
log s per output, which `loss_curve_` adds back, so it is in nats of y itself.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import column_or_1d

from .. import dispatch as D
from ..autograd import no_grad
from ..likelihoods import Gaussian
from ..nn import Parameter
from ..tensor import Tensor
from ._base import LikelihoodMLP
from ._params import is_real

NOISE = ("shared", "per_example")


class LikelihoodRegressor(RegressorMixin, LikelihoodMLP):
    """A multilayer perceptron regressor fitted by maximum likelihood under Gaussian noise.

    y | x ~ N(μ(x), σ²) per output. `noise_std` says what σ is:

    * 'shared' (default): one σ per output, set to its maximum-likelihood value given the
      means, the root-mean-square residual (after each epoch, and on the training set at the end);
    * 'per_example': a second head of the network outputs log σ(x), so each prediction has its
      own uncertainty (heteroscedastic noise);
    * a positive number: σ fixed at that value, in the units of y (then the fit is least squares).

    `predict(X, return_std=True)` returns the mean and σ, as GaussianProcessRegressor does
    (σ is the noise of y given x, not the uncertainty of the weights). The other
    hyper-parameters are those of `LikelihoodClassifier` (MLPRegressor's where they overlap);
    `early_stopping` monitors the held-out negative log-likelihood. Fitted attributes:
    `n_features_in_`, `loss_curve_`, `validation_loss_curve_`, `best_loss_`, `n_iter_`, `t_`,
    `n_outputs_`, `y_mean_`, `y_scale_`, and `model_` (outputs μ, then log σ for 'per_example',
    in standardized units).
    """

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        noise_std: Any = "shared",
        dtype: str = "float32",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.noise_std = noise_std
        self.dtype = dtype

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LikelihoodRegressor:
        """Fit the network to (X, y) by up to `max_iter` epochs of mini-batch Adam."""
        return self._fit(X, y, sample_weight, incremental=False)  # type: ignore[return-value]

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> LikelihoodRegressor:
        """One epoch over (X, y) (the first call standardizes targets with this batch's stats)."""
        return self._fit(X, y, sample_weight, incremental=True)  # type: ignore[return-value]

    # ---- the likelihood ---------------------------------------------------------------------
    def _validate_params(self) -> None:
        super()._validate_params()
        v = self.noise_std
        fixed = is_real(v) and not isinstance(v, str) and math.isfinite(v) and v > 0
        if not (fixed or v in NOISE):
            raise ValueError(f"noise_std must be 'shared', 'per_example' or a positive number, "
                             f"got {v!r}")  # fmt: skip

    def _y_options(self) -> dict[str, Any]:
        return {"multi_output": True, "y_numeric": True}

    def _prepare_targets(self, y: np.ndarray, first: bool, w: Any) -> np.ndarray:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if first:
            self.n_outputs_ = y2.shape[1]
            self._y_1d = y.ndim == 1
            # weighted statistics: a weight of 2 counts as the example twice, 0 as absent
            self.y_mean_ = np.average(y2, axis=0, weights=w)
            scale = np.sqrt(np.average(np.square(y2 - self.y_mean_), axis=0, weights=w))
            self.y_scale_ = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(self.y_mean_)),
                                     scale, 1.0)  # fmt: skip
        elif y2.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2.shape[1]} outputs, but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}"
            )
        return ((y2 - self.y_mean_) / self.y_scale_).astype(self.dtype)

    def _n_outputs(self) -> int:
        return self.n_outputs_ * (2 if self.noise_std == "per_example" else 1)

    def _init_extra(self) -> None:
        self._extra: dict[str, Parameter] = {}
        k = self.n_outputs_
        self._sq_sum = np.zeros(k)
        if self.noise_std == "shared":  # σ = 1 in standardized units until the first epoch ends
            self._extra["log_std"] = Parameter(np.zeros(k, dtype=self.dtype), requires_grad=False)
        elif isinstance(self.noise_std, numbers.Real) and not isinstance(self.noise_std, str):
            log_std = np.log(float(self.noise_std) / self.y_scale_).astype(self.dtype)
            self._extra["log_std"] = Parameter(log_std, requires_grad=False)

    def _split_outputs(self, out: Tensor) -> tuple[Tensor, Tensor]:
        """(μ, log σ) in standardized units from the network's outputs."""
        k = self.n_outputs_
        if self.noise_std == "per_example":
            return out[:, :k], out[:, k:]
        return out, self._extra["log_std"]

    def _nll(self, out: Tensor, t: Any, w: Any) -> Tensor:
        mean, log_std = self._split_outputs(out)
        if self.noise_std == "shared" and mean.requires_grad:  # a training step: keep Σ w r²
            r2 = np.square(mean.detach().numpy() - t, dtype=np.float64)
            self._sq_sum += (r2 if w is None else r2 * w[:, None]).sum(axis=0)
        per_example = -Gaussian(mean, log_std=log_std).log_prob(t).sum(dim=1)
        if w is None:
            return per_example.mean()
        return (per_example * D.make(w.astype(self.dtype), None)).sum() / float(np.sum(w))

    def _set_shared_std(self, norm: float) -> float:
        """σ_k² = the mean squared residual, the MLE of a shared σ given the means; returns the
        profile NLL per example, Σ_k ½ log(2π e σ_k²), in standardized units."""
        var = np.maximum(self._sq_sum / max(norm, 1e-12), 1e-12)
        self._sq_sum = np.zeros_like(self._sq_sum)
        with no_grad():
            self._extra["log_std"].copy_(0.5 * np.log(var))
        return float(np.sum(0.5 * np.log(2 * np.pi * np.e * var)))

    def _end_epoch(self, loss: float, norm: float) -> float:
        if self.noise_std != "shared":
            return loss
        return self._set_shared_std(norm) + self._penalty() / max(norm, 1e-12) + self._nll_offset()

    def _end_fit(self, X: np.ndarray, t: Any, w: Any) -> None:
        """A shared σ from the final weights' residuals on the whole training set."""
        if self.noise_std != "shared":
            return
        mean = self._forward(X)[:, : self.n_outputs_].astype(np.float64)
        r2 = np.square(mean - t)
        self._sq_sum = (r2 if w is None else r2 * w[:, None]).sum(axis=0)
        self._set_shared_std(len(X) if w is None else float(np.sum(w)))

    def _nll_offset(self) -> float:
        return float(np.sum(np.log(self.y_scale_)))

    # ---- predictions ------------------------------------------------------------------------
    def predict(self, X: Any, return_std: bool = False) -> Any:
        """The mean of y given each row of X; with return_std=True also σ, as (mean, std)."""
        self._check_fitted()
        out = self._forward(self._validate_X(X, reset=False)).astype(np.float64)
        k = self.n_outputs_
        mean = out[:, :k] * self.y_scale_ + self.y_mean_
        if self.noise_std == "per_example":
            log_std = out[:, k:]
        else:
            with no_grad():
                log_std = np.broadcast_to(self._extra["log_std"].numpy(), mean.shape)
        std = np.exp(log_std.astype(np.float64)) * self.y_scale_
        if self._y_1d:
            mean, std = mean[:, 0], std[:, 0]
        return (mean, std) if return_std else mean

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
