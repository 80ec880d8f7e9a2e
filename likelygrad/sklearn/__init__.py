"""scikit-learn estimators that fit likelygrad networks by maximum likelihood.

    from likelygrad.sklearn import LikelihoodClassifier, LikelihoodRegressor
    clf = LikelihoodClassifier(hidden_layer_sizes=(100,), max_iter=50).fit(X, y)
    clf.predict_proba(X_test)

`LikelihoodClassifier` maximizes a Bernoulli likelihood (two classes) or a Categorical one (more);
`LikelihoodRegressor` a Gaussian one, with a learned noise scale. Hyper-parameters follow
`sklearn.neural_network.MLPClassifier` where the two overlap. Needs the `sklearn` extra
(pip install 'likelygrad[sklearn]').
"""

from __future__ import annotations

try:
    import sklearn  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "likelygrad.sklearn needs scikit-learn >= 1.6: pip install 'likelygrad[sklearn]'"
    ) from e

from .classifier import LikelihoodClassifier
from .regressor import LikelihoodRegressor

__all__ = ["LikelihoodClassifier", "LikelihoodRegressor"]
