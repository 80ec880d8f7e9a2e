"""LikelihoodClassifier next to scikit-learn's MLPClassifier: accuracy, log loss and fit time.

Same architecture (MLPClassifier's default, one hidden layer of 100 ReLU units), same
optimizer (Adam, learning rate 1e-3, batches of 200, alpha = 1e-4), the same number of epochs
(tol=0 and n_iter_no_change=epochs, so neither stops early), one thread. MLPClassifier runs
twice: on float64 features (what it computes in for the usual float64 data) and on float32
ones (it keeps float32 input in float32, as LikelihoodClassifier does by default).

    python benchmarks/sklearn_compare.py                 # digits and Fashion-MNIST
    python benchmarks/sklearn_compare.py --quick         # digits only, 5 epochs (a smoke test)
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy loads its BLAS

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from likelygrad.data import load_dataset  # noqa: E402
from likelygrad.sklearn import LikelihoodClassifier  # noqa: E402


def datasets(quick: bool) -> dict[str, tuple]:
    """name -> (x_train, y_train, x_test, y_test, epochs), pixels scaled to [0, 1]."""
    out = {}
    d = load_dataset("digits")
    x = np.concatenate([d.x_train, d.x_test]).reshape(-1, 64) / 16.0
    y = np.concatenate([d.y_train, d.y_test])
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, stratify=y, random_state=0)
    out["digits"] = (xtr, ytr, xte, yte, 5 if quick else 100)
    if not quick:
        fm = load_dataset("fashion-mnist", download=False)
        flat_train = fm.x_train.reshape(len(fm.x_train), -1) / 255.0
        flat_test = fm.x_test.reshape(len(fm.x_test), -1) / 255.0
        out["fashion-mnist"] = (flat_train, fm.y_train, flat_test, fm.y_test, 10)
    return out


def run(est, x_train, y_train, x_test, y_test) -> dict[str, float]:
    t0 = time.perf_counter()
    est.fit(x_train, y_train)
    seconds = time.perf_counter() - t0
    probs = est.predict_proba(x_test)
    return {
        "accuracy": float((est.classes_[probs.argmax(1)] == y_test).mean()),
        "log_loss": float(log_loss(y_test, probs, labels=est.classes_)),
        "fit_s": seconds,
        "epochs": int(est.n_iter_),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="digits only, 5 epochs")
    args = p.parse_args(argv)
    rows = []
    warnings.simplefilter("ignore", ConvergenceWarning)
    with threadpool_limits(1):
        for name, (xtr, ytr, xte, yte, epochs) in datasets(args.quick).items():
            common = dict(hidden_layer_sizes=(100,), alpha=1e-4, batch_size=200,
                          learning_rate_init=1e-3, max_iter=epochs, tol=0.0,
                          n_iter_no_change=epochs, random_state=0)  # fmt: skip
            contenders = [
                ("MLPClassifier float64", MLPClassifier, np.float64),
                ("MLPClassifier float32", MLPClassifier, np.float32),
                ("LikelihoodClassifier", LikelihoodClassifier, np.float32),
            ]
            for label, cls, dtype in contenders:
                r = run(cls(**common), xtr.astype(dtype), ytr, xte.astype(dtype), yte)
                rows.append({"data": name, "estimator": label, **r})
    print("| data | estimator | epochs | accuracy | log loss | fit time (s) | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        base = next(b for b in rows if b["data"] == r["data"])["fit_s"]
        print(f"| {r['data']} | {r['estimator']} | {r['epochs']} | {r['accuracy']:.4f} | "
              f"{r['log_loss']:.4f} | {r['fit_s']:.2f} | {base / r['fit_s']:.2f}× |")  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
