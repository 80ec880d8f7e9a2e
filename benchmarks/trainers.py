"""One measurement in one fresh process: train one framework for some epochs, report JSON.

    python benchmarks/trainers.py '{"framework": "likelygrad", "sizes": [784, 256, 10], ...}'

`speed.py` starts this script once per (framework, model, batch size, threads, round), with
OMP/OpenBLAS/MKL thread counts already in the environment, so every framework imports alone
(its peak RSS is its own) and no two share a BLAS thread pool. Every framework gets the same
arrays, written once by `speed.py` into a folder: the data, the initial weights and each epoch's
permutation of the training set. Only the epochs are timed; a few warm-up steps before them (on
the same model, whose weights and optimizer are then reset) take the one-time costs out: lazy
initialization, first-touch page faults of BLAS buffers.

The last line printed is the JSON result: seconds per epoch, test accuracy, memory. The
trainers themselves live in train_likelygrad.py, train_torch.py, train_sklearn.py and
train_numpy.py (numpy and the matmul floor); harness.py holds what they share.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Any

from harness import Trainer, load_data
from train_cnn import train_cnn_matmul
from train_likelygrad import train_likelygrad, train_likelygrad_fit
from train_numpy import train_matmul, train_numpy
from train_sklearn import train_sklearn
from train_torch import train_torch


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident set size in MiB (VmRSS)."""
    return _status_mb("VmRSS") or float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a child of a
    large parent would report the parent's peak (fork copies its page tables) as its own.
    """
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pin_threads(threads: int) -> dict[str, Any]:
    """Limit every BLAS/OpenMP pool already loaded (the environment covers those loaded later)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(limits=threads)
    return {"threadpools": threadpool_info()}


TRAINERS: dict[str, Trainer] = {
    "likelygrad": train_likelygrad,
    "likelygrad-fit": train_likelygrad_fit,
    "torch": train_torch,
    "sklearn": train_sklearn,
    "numpy": train_numpy,
    "matmul": train_matmul,
}


def main(argv: list[str]) -> None:
    spec = json.loads(argv[0])
    rss_start = rss_mb()
    data = load_data(spec["data_dir"])
    rss_data = rss_mb()
    pin_threads(spec["threads"])
    t0 = time.perf_counter()
    trainer = TRAINERS[spec["framework"]]
    if spec.get("channels") and spec["framework"] == "matmul":
        trainer = train_cnn_matmul  # the GEMMs of the im2col formulation
    clock, accuracy, facts = trainer(spec, data)
    info = pin_threads(spec["threads"])  # again: libraries loaded since; report what ran
    result = {
        "seconds": clock.wall,
        "cpu_seconds": clock.cpu,
        "accuracy": accuracy,
        "peak_rss_mb": peak_rss_mb(),
        "rss_start_mb": rss_start,
        "rss_data_mb": rss_data,
        "wall_s": time.perf_counter() - t0,
        "env_threads": {
            k: os.environ.get(k)
            for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        },
        **facts,
        **info,
    }
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
