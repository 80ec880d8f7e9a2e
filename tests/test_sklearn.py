"""The scikit-learn estimators: what they estimate, and how they behave inside scikit-learn."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, make_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from likelygrad.sklearn import LikelihoodClassifier, LikelihoodRegressor  # noqa: E402

# Full-batch Adam run to convergence, in float64: the fit is then the exact optimum.
EXACT = dict(batch_size=200, max_iter=3000, tol=0.0, n_iter_no_change=10**6, dtype="float64",
             random_state=0)  # fmt: skip


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(200, 4, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)  # fmt: skip
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def quiet_fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_no_hidden_layer_is_map_logistic_regression(blobs, n_classes):
    """Without hidden layers the Bernoulli/Categorical MAP fit with prior precision α is
    L2-penalized logistic regression with C = 1/α (intercepts unpenalized in both)."""
    X, y = blobs
    y = y == 1 if n_classes == 2 else y
    ref = LogisticRegression(C=1 / 0.5, tol=1e-12, max_iter=10_000).fit(X, y)
    clf = quiet_fit(LikelihoodClassifier((), alpha=0.5, learning_rate_init=0.05, **EXACT), X, y)
    assert clf.likelihood_ == ("bernoulli" if n_classes == 2 else "categorical")
    np.testing.assert_allclose(clf.model_[0].weight.numpy(), ref.coef_, atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_shared_noise_is_the_least_squares_mle():
    """A linear Gaussian model: the means are least squares and the shared σ is the root-mean-
    square residual, the maximum-likelihood estimates."""
    X, y = make_regression(200, 4, noise=5, random_state=0)
    ls = LinearRegression().fit(X, y)
    reg = quiet_fit(LikelihoodRegressor((), alpha=0.0, learning_rate_init=0.01, **EXACT), X, y)
    mean, std = reg.predict(X, return_std=True)
    np.testing.assert_allclose(mean, ls.predict(X), atol=1e-3)
    np.testing.assert_allclose(std, np.sqrt(np.mean((y - ls.predict(X)) ** 2)), rtol=1e-6)
    # the recorded objective is the NLL per example in y's units: ½ log(2πe σ²) at the MLE
    assert reg.loss_curve_[-1] == pytest.approx(0.5 * np.log(2 * np.pi * np.e * std[0] ** 2))


def test_fixed_and_per_example_noise():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (2000, 1))
    y = x[:, 0] + rng.normal(size=2000) * (0.1 + np.abs(x[:, 0]))  # noise grows with |x|
    reg = quiet_fit(LikelihoodRegressor((32,), noise_std="per_example", max_iter=60,
                                        random_state=0), x, y)  # fmt: skip
    _, std = reg.predict(np.array([[0.0], [2.0]]), return_std=True)
    assert std[1] > 4 * std[0]  # the true ratio is 2.1 / 0.1 = 21
    fixed = quiet_fit(LikelihoodRegressor((8,), noise_std=0.7, max_iter=2, random_state=0), x, y)
    np.testing.assert_allclose(fixed.predict(x[:3], return_std=True)[1], 0.7, rtol=1e-6)


def test_multi_output_regression_shapes():
    X, Y = make_regression(100, 3, n_targets=2, random_state=0)
    reg = quiet_fit(LikelihoodRegressor((8,), max_iter=5, random_state=0), X, Y)
    mean, std = reg.predict(X, return_std=True)
    assert mean.shape == std.shape == (100, 2) and reg.n_outputs_ == 2


def test_probabilities_are_consistent(digits):
    X, y = digits
    clf = quiet_fit(LikelihoodClassifier((32,), max_iter=5, random_state=0), X, y)
    logp = clf.predict_log_proba(X)
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X), np.exp(logp))
    assert (clf.predict(X) == clf.classes_[logp.argmax(axis=1)]).all()
    assert clf.decision_function(X).shape == (len(X), 10)
    assert clf.n_features_in_ == 64 and len(clf.loss_curve_) == clf.n_iter_ == 5


def test_binary_log_proba_is_finite_far_from_the_boundary():
    X = np.array([[-1.0], [1.0]] * 20)
    y = np.array(["no", "yes"] * 20)
    clf = quiet_fit(LikelihoodClassifier((), learning_rate_init=1.0, max_iter=300,
                                         random_state=0), X * 100, y)  # fmt: skip
    logp = clf.predict_log_proba(np.array([[-1e4], [1e4]]))
    assert np.isfinite(logp).all() and list(clf.predict([[-1e4], [1e4]])) == ["no", "yes"]
    assert logp[0, 1] < -100  # log σ(-z) for a huge z: not -inf, not log(0)


def test_partial_fit_epochs_equal_fit(blobs):
    """k partial_fit calls are k epochs of fit, step for step (same random stream)."""
    X, y = blobs
    params = dict(hidden_layer_sizes=(16,), random_state=3, tol=0.0, dtype="float64")
    fitted = quiet_fit(LikelihoodClassifier(max_iter=4, **params), X, y)
    partial = LikelihoodClassifier(**params)
    for _ in range(4):
        partial.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_array_equal(partial.predict_proba(X), fitted.predict_proba(X))
    assert partial.n_iter_ == 4 and partial.loss_curve_ == fitted.loss_curve_


def test_warm_start_continues_the_same_run(blobs):
    X, y = blobs
    params = dict(hidden_layer_sizes=(16,), random_state=0, tol=0.0, dtype="float64")
    once = quiet_fit(LikelihoodClassifier(max_iter=5, **params), X, y)
    twice = quiet_fit(LikelihoodClassifier(max_iter=2, warm_start=True, **params), X, y)
    quiet_fit(twice.set_params(max_iter=3), X, y)
    np.testing.assert_array_equal(twice.predict_proba(X), once.predict_proba(X))
    assert twice.n_iter_ == 5


def test_early_stopping_restores_the_best_epoch(digits):
    X, y = digits
    rng = np.random.default_rng(0)
    noisy = np.where(rng.random(len(y)) < 0.3, rng.integers(0, 10, len(y)), y)  # overfits fast
    clf = LikelihoodClassifier((256,), learning_rate_init=0.01, early_stopping=True, tol=0.0,
                               n_iter_no_change=3, max_iter=200, random_state=0)  # fmt: skip
    clf.fit(X, noisy)
    curve = clf.validation_loss_curve_
    assert clf.n_iter_ < 200 and len(curve) == clf.n_iter_
    assert len(curve) - 1 - int(np.argmin(curve)) == 4  # stopped 3 + 1 epochs after the best


def test_convergence_warning_and_stop(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning, match="maximum iterations \\(2\\)"):
        LikelihoodClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    clf = LikelihoodClassifier((4,), tol=10.0, n_iter_no_change=2, random_state=0).fit(X, y)
    assert clf.n_iter_ == 4  # the first epoch improves on nothing, then 2 + 1 that do not


def test_pipeline_grid_search_and_cross_validation(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), LikelihoodClassifier((32,), max_iter=40,
                                                                random_state=0))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=3)
        grid = GridSearchCV(pipe, {"likelihoodclassifier__alpha": [1e-4, 1e5]}, cv=2)
        grid.fit(X, y)
    assert scores.min() > 0.88
    assert grid.best_params_ == {"likelihoodclassifier__alpha": 1e-4}
    copy = clone(grid.best_estimator_)
    assert copy.get_params()["likelihoodclassifier__alpha"] == 1e-4
    assert not hasattr(copy[-1], "model_")


def test_pickle_keeps_weights_and_optimizer(blobs):
    """No tensor is pickled: the weights and Adam's moments travel as arrays and training
    continues from a copy exactly as from the original."""
    X, y = blobs
    clf = quiet_fit(LikelihoodClassifier((8,), max_iter=3, random_state=0, dtype="float64"), X, y)
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))


def test_regressor_pickle_keeps_noise():
    X, y = make_regression(50, 2, noise=1.0, random_state=0)
    reg = quiet_fit(LikelihoodRegressor((4,), max_iter=3, random_state=0), X, y)
    copy = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(copy.predict(X, return_std=True), reg.predict(X, True))


def test_errors_name_the_problem(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        LikelihoodClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="activation must be one of"):
        LikelihoodClassifier(activation="swish").fit(X, y)
    with pytest.raises(ValueError, match="exactly 2 classes, got 3"):
        LikelihoodClassifier(likelihood="bernoulli").fit(X, y)
    with pytest.raises(ValueError, match="noise_std must be"):
        LikelihoodRegressor(noise_std=-1.0).fit(X, y.astype(float))
    clf = LikelihoodClassifier((4,), max_iter=1, random_state=0)
    quiet_fit(clf, X, y)
    with pytest.raises(ValueError, match=r"classes not in `self.classes_`: \[7\]"):
        clf.partial_fit(X[:3], [7, 7, 7])


def test_verbose_prints_each_epoch(blobs, capsys):
    X, y = blobs
    quiet_fit(LikelihoodClassifier((4,), max_iter=2, verbose=True, random_state=0), X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Iteration 1", "Iteration 2"]


def test_the_benchmark_stays_runnable():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "sklearn_compare.py"
    out = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True,
                         text=True, timeout=300, check=True).stdout  # fmt: skip
    rows = [line for line in out.splitlines() if line.startswith("| digits |")]
    assert [r.split(" | ")[1] for r in rows] == ["MLPClassifier float64", "MLPClassifier float32",
                                                 "LikelihoodClassifier"]  # fmt: skip
