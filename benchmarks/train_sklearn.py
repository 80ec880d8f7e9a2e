"""scikit-learn's row: MLPClassifier with plain momentum SGD, given our weights and order."""

from __future__ import annotations

from typing import Any

import numpy as np
from harness import Clock, load_weights


def train_sklearn(spec: dict[str, Any], data: dict[str, np.ndarray]):
    """MLPClassifier(solver='sgd', alpha=0, momentum=0.9, nesterovs_momentum=False).

    Same weights: a warm-up `fit` on a few batches builds every fitted attribute (classes,
    layer count, output activation); its weights are then overwritten in place with ours
    (transposed: sklearn stores coefs_ as (in, out)). With warm_start=True the next `fit` keeps
    them and builds a fresh optimizer (zero velocity); later epochs call `partial_fit`, which
    keeps the optimizer and its momentum. Same order: shuffle=False, and each epoch is fed the
    training set already permuted (that gather is timed, like the other frameworks' batch
    gathers, and its buffer adds one copy of the training set to the peak RSS). sklearn's
    velocity form v = μv - lr·g, θ += v is torch's b = μb + g, θ -= lr·b with v = -lr·b.
    """
    import warnings

    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    x, y, batch, perms = data["x_train"], data["y_train"], spec["batch"], data["perms"]
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(spec["sizes"][1:-1]),  # () is multinomial logistic regression
        activation={"sigmoid": "logistic"}.get(spec["activation"], "relu"),
        solver="sgd",
        alpha=0.0,
        batch_size=batch,
        learning_rate="constant",
        learning_rate_init=spec["lr"],
        momentum=spec["momentum"],
        nesterovs_momentum=False,
        shuffle=False,
        max_iter=1,
        warm_start=True,
        early_stopping=False,
        n_iter_no_change=10**9,
        random_state=0,
    )
    warm = perms[0][: max(spec["warmup"], 1) * batch]
    first = np.unique(y, return_index=True)[1]  # one example of every class, so classes_ match
    warm = np.concatenate([warm, first])
    clf.fit(x[warm], y[warm])
    for (W, b), coef, intercept in zip(
        load_weights(spec["data_dir"], spec["model"]), clf.coefs_, clf.intercepts_
    ):
        coef[...] = W.T
        intercept[...] = b
    # The epoch's permuted copy is written into memory touched beforehand: gathering is timed,
    # first-touch page faults of 180 MiB (slow and erratic in a VM) are not.
    xe, ye = np.zeros_like(x), np.zeros_like(y)
    clock = Clock()
    for epoch, perm in enumerate(perms[: spec["epochs"]]):
        with clock:
            np.take(x, perm, axis=0, out=xe, mode="clip")  # "raise" would buffer a full copy
            np.take(y, perm, out=ye, mode="clip")
            (clf.fit if epoch == 0 else clf.partial_fit)(xe, ye)
    accuracy = float((clf.predict(data["x_test"]) == data["y_test"]).mean())
    return clock, accuracy, {"version": sklearn.__version__}
