"""`LikelihoodClassifier`: an MLP whose logits parametrize a Bernoulli or Categorical likelihood."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, unique_labels

from .. import dispatch as D
from ..likelihoods import Bernoulli, Categorical
from ..tensor import Tensor
from ._base import LikelihoodMLP
from ._params import check_param

LIKELIHOODS = ("auto", "bernoulli", "categorical")


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log σ(z) = -log(1 + e^-z), finite for any z."""
    return -np.logaddexp(0.0, -z)


class LikelihoodClassifier(ClassifierMixin, LikelihoodMLP):
    """A multilayer perceptron classifier fitted by maximum likelihood (MAP with `alpha`).

    The network's outputs are logits: one for two classes, read as a Bernoulli likelihood
    P(y = classes_[1] | x) = σ(z) (logistic regression on the last hidden layer), or one per
    class for a Categorical likelihood P(y = k | x) = softmax(z)_k. Training minimizes the
    mean negative log-likelihood plus the Gaussian log-prior (α/2N)‖W‖² with Adam.

    Parameters with MLPClassifier's names mean what they mean there: `hidden_layer_sizes`,
    `activation` ('identity', 'logistic', 'tanh', 'relu'), `alpha` (the precision of the
    Gaussian prior on the weights, i.e. the L2 penalty), `batch_size` ('auto' = min(200, n)),
    `learning_rate_init` (Adam's step size), `max_iter` (epochs), `shuffle`, `random_state`,
    `tol`, `verbose`, `warm_start`, `early_stopping` (monitors the held-out negative
    log-likelihood, not accuracy), `validation_fraction`, `n_iter_no_change`.
    `likelihood` picks the likelihood ('auto': Bernoulli for two classes, else Categorical);
    `dtype` the float width of the network ('float32' or 'float64').

    Fitted attributes: `classes_`, `n_features_in_`, `loss_curve_` (the objective per epoch),
    `validation_loss_curve_` (with early stopping), `best_loss_`, `n_iter_`, `t_`,
    `likelihood_`, and `model_`, the fitted `likelygrad.nn.Sequential` that outputs logits.
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
        likelihood: str = "auto",
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
        self.likelihood = likelihood
        self.dtype = dtype

    # ---- fitting ----------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LikelihoodClassifier:
        """Fit the network to (X, y) by up to `max_iter` epochs of mini-batch Adam."""
        return self._fit(X, y, sample_weight, incremental=False)  # type: ignore[return-value]

    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> LikelihoodClassifier:
        """One epoch over (X, y); the first call needs `classes`, every label there may be."""
        first = not hasattr(self, "model_")
        if first:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: every label that "
                    "will ever appear, e.g. np.unique(y_all)"
                )
            self._partial_classes = unique_labels(classes)
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(
                f"`classes={classes}` is not the same as on the first call to partial_fit, "
                f"which was {self.classes_}"
            )
        return self._fit(X, y, sample_weight, incremental=True)  # type: ignore[return-value]

    def _y_options(self) -> dict[str, Any]:
        return {"y_numeric": False}

    def _prepare_targets(self, y: np.ndarray, first: bool, w: Any) -> np.ndarray:
        """Class indices (Categorical) or 0/1 floats (Bernoulli) for labels `y`."""
        check_classification_targets(y)
        if first:
            given = self.__dict__.pop("_partial_classes", None)  # from partial_fit's classes
            self.classes_ = unique_labels(y) if given is None else given
            check_param(self.likelihood in LIKELIHOODS, "likelihood", self.likelihood,
                         f"one of {LIKELIHOODS}")  # fmt: skip
            k = len(self.classes_)
            if k < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contain only one class: {self.classes_[0]!r}"
                )
            if self.likelihood == "bernoulli" and k != 2:
                raise ValueError(f"likelihood='bernoulli' needs exactly 2 classes, got {k}")
            auto = "bernoulli" if k == 2 else "categorical"
            self.likelihood_ = auto if self.likelihood == "auto" else self.likelihood
        else:
            unseen = np.setdiff1d(unique_labels(y), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`: {unseen.tolist()}; "
                    f"`self.classes_` has {self.classes_.tolist()}"
                )
        index = np.searchsorted(self.classes_, y)
        if self.likelihood_ == "bernoulli":
            return (index == 1).astype(self.dtype)
        return index.astype(np.int64)

    def _n_outputs(self) -> int:
        return 1 if self.likelihood_ == "bernoulli" else len(self.classes_)

    def _stratify(self, t: np.ndarray) -> np.ndarray | None:
        return t

    def _nll(self, out: Tensor, t: Any, w: Any) -> Tensor:
        if self.likelihood_ == "bernoulli":
            dist: Any = Bernoulli(logits=out.reshape(-1))
        else:
            dist = Categorical(logits=out)
        if w is None:
            return dist.nll(t)  # the fused mean
        per_example = dist.nll(t, "none")
        return (per_example * D.make(w.astype(self.dtype), None)).sum() / float(np.sum(w))

    # ---- predictions ------------------------------------------------------------------------
    def decision_function(self, X: Any) -> np.ndarray:
        """The logits: shape (n,) for two classes (the log-odds of classes_[1]), else (n, K)."""
        self._check_fitted()
        z = self._forward(self._validate_X(X, reset=False)).astype(np.float64)
        return z[:, 0] if self.likelihood_ == "bernoulli" else z

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log P(y = classes_[k] | x), (n, K), computed from the logits in log space."""
        z = self.decision_function(X)
        if self.likelihood_ == "bernoulli":
            if z.ndim == 1:
                return np.stack([_log_sigmoid(-z), _log_sigmoid(z)], axis=1)
        m = z.max(axis=1, keepdims=True)
        return z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(y = classes_[k] | x), (n, K): σ(-z), σ(z) for two classes, else softmax(z)."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most likely class of each row."""
        z = self.decision_function(X)
        index = (z > 0).astype(np.intp) if z.ndim == 1 else z.argmax(axis=1)
        return self.classes_[index]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
