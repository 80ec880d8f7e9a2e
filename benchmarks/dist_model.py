"""The back-of-envelope model of data-parallel efficiency in docs/distributed.md.

Per step each of N ranks computes its B/N examples, then the ranks sum the gradient (S bytes)
with an allreduce. Large messages use reduce-scatter + allgather (Rabenseifner; MPICH and Open
MPI pick it): 2·log2(N) latencies α plus 2·(N−1)/N·S bytes through each rank's link of
bandwidth β. Compute: 6 FLOPs per parameter per example (forward 2, backward 4; the first
layer's input gradient, 2 per first-layer weight, is skipped) at F FLOP/s per rank. For these
two-layer MLPs nothing overlaps (the first layer holds ~99% of the gradient and is finished
last), so efficiency = compute / (compute + allreduce).

    python benchmarks/dist_model.py                  # 25 Gb/s, α = 20 µs, F = 60 GFLOP/s
    python benchmarks/dist_model.py --gbps 100 --latency-us 3 --gflops 500
"""

from __future__ import annotations

import argparse
import math

MODELS = {"784-256-10": (784, 256, 10), "784-2560-10 (10×)": (784, 2560, 10)}


def params(sizes: tuple[int, ...]) -> int:
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def flops(sizes: tuple[int, ...]) -> int:
    """FLOPs of one example's training step: 6 per weight, less the first input gradient."""
    weights = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 6 * sum(weights) - 2 * weights[0]


def allreduce_seconds(n: int, nbytes: float, latency: float, bandwidth: float) -> float:
    return 2 * math.log2(n) * latency + 2 * (n - 1) / n * nbytes / bandwidth


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gbps", type=float, default=25.0, help="link bandwidth, Gbit/s")
    p.add_argument("--latency-us", type=float, default=20.0, help="α per message, µs")
    p.add_argument("--gflops", type=float, default=60.0, help="compute per rank, GFLOP/s")
    p.add_argument("--ranks", type=int, nargs="+", default=[8, 64, 512])
    p.add_argument("--batches", type=int, nargs="+", default=[512, 2048])
    a = p.parse_args()
    beta, alpha, f = a.gbps * 1e9 / 8, a.latency_us * 1e-6, a.gflops * 1e9
    print("| model | params (float32 MB) | global batch | ranks | examples/rank | compute ms | "
          "allreduce ms | efficiency |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, sizes in MODELS.items():
        nbytes = 4 * params(sizes)
        for batch in a.batches:
            for n in a.ranks:
                per_rank = batch / n
                compute = per_rank * flops(sizes) / f
                comm = allreduce_seconds(n, nbytes, alpha, beta)
                print(f"| {name} | {params(sizes):,} ({nbytes / 1e6:.2f}) | {batch} | {n} | "
                      f"{per_rank:g} | {compute * 1e3:.3f} | {comm * 1e3:.3f} | "
                      f"{compute / (compute + comm):.0%} |")  # fmt: skip
    # efficiency e needs compute ≥ e/(1-e)·comm; with the bandwidth term alone, per rank:
    # (B/N)·flops/F ≥ e/(1-e)·2·4·params/β, and flops ≈ 6·params: B/N ≥ e/(1-e)·(8/6)·F/β
    for e in (0.5, 0.9):
        need = e / (1 - e) * 8 / 6 * f / beta
        print(
            f"\nfor {e:.0%} efficiency each rank needs about {need:.0f} examples per step "
            "(bandwidth alone; any model made of dense layers)",
            end="",
        )
    print()


if __name__ == "__main__":
    main()
