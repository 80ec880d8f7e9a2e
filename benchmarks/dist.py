"""`make bench-dist`: data-parallel training speed, likelygrad over MPI beside PyTorch DDP (gloo).

For each global batch and world size N, both frameworks train the 784-256-10 ReLU MLP (SGD with
momentum) on the same data, the same initial weights and the same per-epoch order, N ranks under
`mpiexec`, each rank with one BLAS thread; and one process with N threads, the alternative on
one machine. Reported: epoch time (median), examples/s, scaling efficiency T1 / (N · TN)
against the framework's own one-rank time, and the communication share: (epoch time − the same
epoch with gradient averaging off) / epoch time, the communication compute did not hide (for
likelygrad also the time its ranks spent blocked in MPI_Wait, which DDP measures itself), and
cpu/wall per thread: well below 1 means the processes waited for a core (a busy machine).

    python benchmarks/dist.py                       # ranks 1 2 4, batches 512 2048, 2 epochs
    python benchmarks/dist.py --ranks 1 2 --batches 512 --epochs 1 --train-size 12000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import child_env, environment
from workload import parse_model, prepare_data, write_weights

HERE = Path(__file__).parent
MODEL = "784-256-10:relu"


def run(framework: str, ranks: int, threads: int, batch: int, a, data: Path) -> dict:
    """One measurement in fresh processes; rank 0's JSON line."""
    env = child_env()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    worker = [sys.executable, str(HERE / "dist_worker.py"), framework, "--data", str(data),
              "--batch", str(batch), "--epochs", str(a.epochs),
              "--threads", str(threads)]  # fmt: skip
    mpiexec = shutil.which("mpiexec", path=f"{Path(sys.executable).parent}:{env['PATH']}")
    cmd = [mpiexec, "-n", str(ranks), *worker] if ranks > 1 else worker
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600,
                       stdin=subprocess.DEVNULL)  # fmt: skip
    if p.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def table(rows: list[dict], n_train: int) -> str:
    head = ("| framework | global batch | ranks × threads | s/epoch | examples/s | scaling "
            "efficiency | communication share | waiting in MPI | cpu/wall | test acc |"
            )  # fmt: skip
    out = [head, "|" + "---|" * 10]
    base = {(r["framework"], r["batch"]): r for r in rows if r["ranks"] == r["threads"] == 1}
    for r in rows:
        t = statistics.median(r["epoch_seconds"])
        n = max(r["ranks"], r["threads"])
        eff = statistics.median(base[r["framework"], r["batch"]]["epoch_seconds"]) / (n * t)
        comm = f"{max(0.0, t - r['compute_seconds']) / t:.0%}" if r["ranks"] > 1 else ""
        wait = f"{r['wait_seconds'] / t:.0%}" if r["wait_seconds"] else ""
        busy = statistics.median(r["cpu_seconds"]) / t / r["threads"]
        out.append(
            f"| {r['framework']} | {r['batch']} | {r['ranks']} × {r['threads']} | {t:.2f} | "
            f"{n_train / t:,.0f} | {eff:.0%} | {comm} | {wait} | {busy:.2f} | "
            f"{r['accuracy']:.4f} |"
        )
    return "\n".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--batches", type=int, nargs="+", default=[512, 2048])
    p.add_argument("--frameworks", nargs="+", default=["likelygrad", "torch"])
    p.add_argument("--epochs", type=int, default=2, help="timed epochs per measurement")
    p.add_argument("--train-size", type=int, default=None, help="default: all (60,000)")
    p.add_argument("--json", type=Path, default=None, help="also write the rows here")
    a = p.parse_args()
    env = environment()
    print(f"# {env['cpu']}; load average {os.getloadavg()[0]:.2f} at the start")
    print(f"# python {env['python']}, numpy {env['numpy']} ({env['numpy_blas']}), torch "
          f"{env.get('torch', 'not installed')}, likelygrad {env['likelygrad']}")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        facts = prepare_data("auto", Path(tmp), a.train_size, None, a.epochs + 1, seed=0)
        write_weights(parse_model(MODEL), Path(tmp), seed=0)
        print(f"# data: {facts['name']}, {facts['train']} training examples\n")
        for batch in a.batches:
            for framework in a.frameworks:
                for n in a.ranks:
                    setups = [(n, 1)] + ([(1, n)] if n > 1 else [])
                    for ranks, threads in setups:
                        r = run(framework, ranks, threads, batch, a, Path(tmp))
                        rows.append(r)
                        print(f"{framework} batch {batch}, {ranks} × {threads}: "
                              f"{statistics.median(r['epoch_seconds']):.2f} s/epoch",
                              file=sys.stderr, flush=True)  # fmt: skip
    order = sorted(rows, key=lambda r: (r["batch"], r["framework"], r["threads"] > 1,
                                        max(r["ranks"], r["threads"])))  # fmt: skip
    print("\n" + table(order, facts["train"]))
    if a.json:
        a.json.write_text(json.dumps({"environment": env, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
