"""One epoch in a fresh process, trained the ways users train: the loops a script writes.

    python benchmarks/user_loop.py --model 784-10 --way readme     # prints seconds for the epoch

Ways: `readme` (the README's loop: gather with NumPy, `lg.tensor(X[idx])`, maximize
`Categorical(logits=model(x)).log_prob(y).mean()`), `as_tensor` (the same with a wrapper that
does not copy), `loader` (`lg.utils.data.DataLoader(TensorDataset(...))`, PyTorch's idiom),
`fit` (`likelygrad.train.fit`), and `torch` (PyTorch's loop indexing a tensor, `Xt[idx]`).
Each run is its own process, so allocator state, imports and caches are what a user meets;
`python benchmarks/user_loop.py --table` (part of `make bench`) runs every model and way,
interleaved over rounds, and prints median seconds per epoch and the ratio to PyTorch.
Data: 60,000 random 784-pixel float32 examples, ten classes; batch 128; SGD with momentum 0.9.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads its BLAS

import argparse  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

WAYS = ("readme", "as_tensor", "loader", "fit", "torch")
MODELS = {
    "784-10": (784, 10),
    "784-128-10:sigmoid": (784, 128, 10),
    "784-256-10:relu": (784, 256, 10),
}


def data(n: int = 60000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    # drawn in float32 directly, so the process's peak memory is the data plus the training
    return rng.standard_normal((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def lg_model(name: str) -> object:
    from likelygrad import nn

    sizes = MODELS[name]
    act = nn.Sigmoid if name.endswith("sigmoid") else nn.ReLU
    layers: list = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(a, b)] + ([act()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers)


def run_likelygrad(name: str, way: str, x: np.ndarray, y: np.ndarray, batch: int) -> float:
    import likelygrad as lg
    from likelygrad import optim
    from likelygrad.likelihoods import Categorical

    lg.manual_seed(0)
    model = lg_model(name)
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9, maximize=True)
    perm = np.random.default_rng(1).permutation(len(x))
    if way == "loader":  # imported only where used, so the script runs on older checkouts
        from likelygrad.utils.data import DataLoader, TensorDataset
    if way == "fit":
        from likelygrad.train import fit
    t0 = time.perf_counter()  # imports done: the epoch alone is timed
    if way in ("readme", "as_tensor"):
        wrap = lg.tensor if way == "readme" else lg.as_tensor
        for s in range(0, len(x), batch):
            idx = perm[s : s + batch]
            xb, yb = wrap(x[idx]), y[idx]
            log_lik = Categorical(logits=model(xb)).log_prob(yb).mean()
            opt.zero_grad()
            log_lik.backward()
            opt.step()
    elif way == "loader":
        ds = TensorDataset(lg.from_numpy(x), lg.from_numpy(y))
        g = lg.Generator().manual_seed(1)
        for xb, yb in DataLoader(ds, batch_size=batch, shuffle=True, generator=g):
            log_lik = Categorical(logits=model(xb)).log_prob(yb).mean()
            opt.zero_grad()
            log_lik.backward()
            opt.step()
    elif way == "fit":
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        fit(model, "categorical", opt, (x, y), epochs=1, batch_size=batch, progress="quiet")
    return time.perf_counter() - t0


def run_torch(name: str, x: np.ndarray, y: np.ndarray, batch: int) -> float:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    sizes = MODELS[name]
    act = torch.nn.Sigmoid if name.endswith("sigmoid") else torch.nn.ReLU
    layers: list = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [torch.nn.Linear(a, b)] + ([act()] if i < len(sizes) - 2 else [])
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    perm = torch.from_numpy(np.random.default_rng(1).permutation(len(x)))
    t0 = time.perf_counter()
    for s in range(0, len(x), batch):
        idx = perm[s : s + batch]
        loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def table(rounds: int, ways: tuple[str, ...], batch: int, size: int) -> str:
    """Every model × way, each run a fresh process, interleaved: rounds of all, then medians."""
    import statistics
    import subprocess

    times: dict[tuple[str, str], list[float]] = {(m, w): [] for m in MODELS for w in ways}
    peaks: dict[tuple[str, str], list[float]] = {(m, w): [] for m in MODELS for w in ways}
    for r in range(rounds):
        for m in MODELS:
            for w in ways:
                argv = [sys.executable, __file__, "--model", m, "--way", w]
                argv += ["--batch", str(batch), "--size", str(size)]
                out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
                times[m, w].append(float(out.split()[0]))
                peaks[m, w].append(float(out.split()[1]))
            print(f"round {r + 1}/{rounds}: {m} done", file=sys.stderr)
    lg_ways = [w for w in ways if w != "torch"]
    head = "| model | " + " | ".join(f"`{w}` s/epoch" for w in ways)
    head += " | " + " | ".join(f"`{w}` ÷ PyTorch" for w in lg_ways)
    head += " | slowest ÷ fastest way | peak RSS MiB |"
    lines = [head, "|---|" + "---:|" * (len(ways) + len(lg_ways) + 2)]
    for m in MODELS:
        med = {w: statistics.median(times[m, w]) for w in ways}
        cells = [f"{med[w]:.3f}" for w in ways]
        cells += [f"**{med[w] / med['torch']:.2f}**" if "torch" in med else "" for w in lg_ways]
        ours = [med[w] for w in lg_ways]
        cells.append(f"{max(ours) / min(ours):.2f}")  # the "within 5%": ≤ 1.05
        rss = " / ".join(f"{statistics.median(peaks[m, w]):.0f}" for w in ways)
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {rss} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=list(MODELS), default="784-10")
    p.add_argument("--way", choices=WAYS, default="readme")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--size", type=int, default=60000, help="training examples (an epoch)")
    p.add_argument("--table", action="store_true", help="every model and way; a markdown table")
    p.add_argument("--rounds", type=int, default=3, help="with --table: runs of each")
    args = p.parse_args(argv)
    if args.table:
        ways = ("readme", "as_tensor", "loader", "fit", "torch")
        print(f"An epoch in a fresh process: batch {args.batch}, 1 thread, {args.rounds} rounds")
        data_mib = args.size * (784 * 4 + 8) / 2**20  # float32 pixels, an int64 label
        print(f"(peak RSS in the order {', '.join(ways)}; the data alone is {data_mib:.0f} MiB)")
        print(table(args.rounds, ways, args.batch, args.size))
        return 0
    x, y = data(args.size)
    if args.way == "torch":
        seconds = run_torch(args.model, x, y, args.batch)
    else:
        seconds = run_likelygrad(args.model, args.way, x, y, args.batch)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    print(f"{seconds:.4f} {peak:.0f} {faults}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
