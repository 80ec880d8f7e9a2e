"""How fast does likelygrad train an MLP, next to PyTorch, scikit-learn, hand-written NumPy and
the bare matrix multiplies? One table: seconds per epoch, throughput, memory and accuracy.

    python benchmarks/run.py                        # 1 thread, 3 models × batch 128/512, 5 rounds
    python benchmarks/run.py --threads 1 2 --markdown --json bench.json
    python benchmarks/run.py --quick                # tiny generated data, seconds (the test)

Every framework trains the same network from the same initial weights (PyTorch's
U(-1/√in, 1/√in), drawn once with NumPy), on the same data (Fashion-MNIST, standardized, when it
is on disk; otherwise a generated set of the same shape), visiting the examples in the same
order (one shared permutation per epoch), with the same batch size, SGD with momentum 0.9, the
same learning rate and float32. Each measurement is one fresh process (`trainers.py`) with its
BLAS/OpenMP thread count pinned by environment variables before anything is imported; the
frameworks take turns within each round (A B C D E, A B C D E, ...) so drift on a shared
machine spreads over all of them. The table shows the median over rounds and the min–max.

Rows: `likelygrad` (the loop a user writes: model(lg.Tensor(xb)), F.cross_entropy, zero_grad,
backward, step), `likelygrad-fit` (the same training through `likelygrad.train.fit`, which also
tracks the NLL and accuracy per batch), `torch` (the same loop with torch.nn/torch.optim),
`sklearn` (MLPClassifier, see train_sklearn.py), `numpy` (manual backprop: the practical
floor for a NumPy library) and `matmul` (only the epoch's GEMMs: the FLOP floor).

This file runs the measurements; workload.py writes what they share (data, weights, order),
machine.py describes the machine and times the imports, report.py makes the table, and
trainers.py is the process that trains one framework once.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from machine import child_env, environment, import_times
from report import check, print_report, summarize, targets
from workload import parse_model, prepare_data, write_weights

TRAINERS = Path(__file__).resolve().parent / "trainers.py"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
FRAMEWORKS = ("likelygrad", "likelygrad-fit", "torch", "sklearn", "numpy", "matmul")
NEEDS = {"torch": "torch", "sklearn": "sklearn"}  # framework -> module it cannot run without
MODELS = ("784-256-10:relu", "784-128-10:sigmoid", "784-10", "cnn", "cnn:pool-relu")
MLP_ONLY = ("sklearn", "numpy")  # no convolutional network in these rows


# ---- measuring --------------------------------------------------------------------------------


def run_worker(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One measurement in a fresh interpreter with its thread count pinned before import."""
    env = child_env()
    env.update({k: str(spec["threads"]) for k in THREAD_VARS})
    try:
        proc = subprocess.run(
            [sys.executable, str(TRAINERS), json.dumps(spec)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {
            "error": (proc.stderr.strip().splitlines() or ["no output"])[-1],
            "stderr": proc.stderr[-4000:],
        }
    return json.loads(lines[-1])


# ---- command line -----------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Training speed of likelygrad against PyTorch, scikit-learn, hand-written "
        "NumPy and the matmul floor (one fresh process per measurement).",
    )
    p.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1],
        help="BLAS/OpenMP/torch threads; 1 is the primary figure (default: 1)",
    )
    p.add_argument(
        "--models",
        nargs="+",
        default=list(MODELS),
        help="sizes and hidden activation, e.g. 784-256-10:relu 784-10; 'cnn' is conv 1→32 "
        "3×3, relu, pool, conv 32→64 3×3, relu, pool, 1600-128-10 ('cnn-C1-C2-H' sizes one, "
        f"':pool-relu' pools first) (default: {' '.join(MODELS)})",
    )
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 512])
    p.add_argument(
        "--cnn-batch-sizes",
        type=int,
        nargs="+",
        default=[128],
        help="batch sizes for the cnn models (default: 128)",
    )
    p.add_argument("--epochs", type=int, default=1, help="timed epochs per measurement")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS), choices=FRAMEWORKS)
    p.add_argument(
        "--data",
        choices=("auto", "generated", "fashion-mnist"),
        default="auto",
        help="auto: Fashion-MNIST when on disk, else generated data of its shape",
    )
    p.add_argument("--train-size", type=int, help="use only the first N training examples")
    p.add_argument("--test-size", type=int, help="use only the first N test examples")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--warmup", type=int, default=10, help="untimed steps before the epochs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--import-repeats", type=int, default=9)
    p.add_argument(
        "--acc-tolerance",
        type=float,
        default=1.5,
        help="accuracy points a framework may differ from PyTorch's",
    )
    p.add_argument("--timeout", type=float, default=1800, help="seconds per measurement")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--json", metavar="PATH", help="write every measurement and the table here")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run in seconds: 2,048 generated examples, one small model, "
        "batch 128, 1 round",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.data, args.train_size, args.test_size = "generated", 2048, 512
        args.models, args.batch_sizes, args.rounds = ["784-32-10:relu"], [128], 1
        args.epochs, args.warmup, args.import_repeats = 1, 2, 1
    for n, what in ((args.epochs, "--epochs"), (args.rounds, "--rounds")):
        if n < 1:
            p.error(f"{what} must be at least 1")
    try:
        args.models = [parse_model(m) for m in args.models]
    except ValueError as e:
        p.error(str(e))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    frameworks, skipped = [], []
    for fw in args.frameworks:
        missing = NEEDS.get(fw) and importlib.util.find_spec(NEEDS[fw]) is None
        (skipped if missing else frameworks).append(fw)
    for fw in skipped:
        print(f"skipping {fw}: {NEEDS[fw]} is not installed", file=sys.stderr)
    config = {k: v for k, v in vars(args).items() if k not in ("models", "json", "markdown")}
    report: dict[str, Any] = {"env": environment(), "config": config}
    report["config"]["models"] = [m.name for m in args.models]
    report["config"]["frameworks"] = frameworks
    measurements: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="likelygrad-bench-") as tmp:
        folder = Path(tmp)
        data = prepare_data(
            args.data, folder, args.train_size, args.test_size, args.epochs, args.seed
        )
        report["data"] = data
        for model in args.models:
            if model.sizes[0] != data["features"] or model.sizes[-1] != data["classes"]:
                raise SystemExit(
                    f"model {model.name} does not fit {data['features']} features "
                    f"and {data['classes']} classes"
                )
            write_weights(model, folder, args.seed)

        def batches(model: Any) -> list[int]:
            return args.cnn_batch_sizes if model.channels else args.batch_sizes

        total = args.rounds * len(args.threads) * sum(len(batches(m)) for m in args.models)
        done = 0
        for rnd in range(args.rounds):
            for threads in args.threads:
                for model in args.models:
                    for batch in batches(model):
                        done += 1
                        for fw in frameworks:
                            if model.channels and fw in MLP_ONLY:
                                continue
                            spec = {
                                "framework": fw,
                                "model": model.name,
                                "sizes": list(model.sizes),
                                "activation": model.activation,
                                "channels": list(model.channels),
                                "pool_first": model.pool_first,
                                "batch": batch,
                                "epochs": args.epochs,
                                "lr": args.lr,
                                "momentum": args.momentum,
                                "threads": threads,
                                "warmup": args.warmup,
                                "data_dir": str(folder),
                            }
                            result = run_worker(spec, args.timeout)
                            measurements.append({**spec, "round": rnd, **result})
                            _progress(done, total, rnd, spec, result)
        report["imports"] = import_times(args.import_repeats) if args.import_repeats else None
    torch_runs = [m for m in measurements if m["framework"] == "torch" and "error" not in m]
    report["torch_info"] = torch_runs[0] if torch_runs else None
    report["rows"] = summarize(measurements, data)
    report["measurements"] = measurements
    report["warnings"] = check(report, args.acc_tolerance)
    report["targets"] = targets(report)
    print_report(report, args.markdown, args.json)
    failed = [m for m in measurements if "error" in m]
    for m in failed:
        print(
            f"\nFAILED {m['framework']} {m['model']} batch {m['batch']}: "
            f"{m.get('stderr', m['error'])}",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _progress(done: int, total: int, rnd: int, spec: dict[str, Any], result: dict) -> None:
    if "error" in result:
        what = "ERROR " + result["error"]
    else:
        acc = result["accuracy"]
        what = (
            f"{statistics.fmean(result['seconds']):.3f} s/epoch, peak RSS "
            f"{result['peak_rss_mb']:.0f} MiB"
            + (f", test acc {100 * acc:.2f}%" if acc is not None else "")
        )
    print(
        f"[{done}/{total} round {rnd + 1}] {spec['model']} batch {spec['batch']} "
        f"{spec['threads']} thr {spec['framework']:>14}: {what}",
        file=sys.stderr,
        flush=True,
    )
