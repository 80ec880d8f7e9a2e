"""The GPU check, one prepared script: likelygrad on CuPy against PyTorch CUDA on the same card.

    python benchmarks/gpu.py                 # on a machine with an NVIDIA GPU, CuPy and torch
    python benchmarks/gpu.py --quick         # a small run (seconds)
    python benchmarks/gpu.py --fake --quick  # no GPU: array_api_strict's second device stands in

1. The op table (tests/op_table.py) with every input on the GPU: forward against NumPy and the
   gradients against likelygrad's own CPU results.
2. One epoch of the 784-256-10 ReLU MLP on Fashion-MNIST-shaped data (60,000 × 784, ten Gaussian
   classes) at batch 128 and 512, SGD with momentum 0.9, float32, the same initial weights and
   batch order for likelygrad+CuPy and PyTorch CUDA; seconds per epoch (median of the timed
   epochs), their ratio, peak GPU memory and the test accuracy of both.
Prints a Markdown table. With --fake the timings mean nothing; the run proves the script's paths.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def use_fake_gpu() -> None:
    """Register array_api_strict's 'device1' as the 'cuda' device (what tests/test_devices.py
    does), so the script runs its GPU paths on a machine without one."""
    import array_api_strict as xps

    from likelygrad import backend as B

    fake = B.Backend(xps, {"cpu": xps.Device("CPU_DEVICE"), "cuda:0": xps.Device("device1")})
    B.register(type(xps.asarray(0.0)), fake, "cuda")


def sync() -> None:
    import likelygrad as lg

    lg.cuda.synchronize()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
    except ImportError:
        pass


# rows whose result the GPU may legitimately choose differently: a position written twice keeps
# one of the values, which one undefined on CUDA (torch's index_put_ and max_unpool alike)
UNDEFINED_ON_GPU = {"max_unpool1d-repeated-index"}


def check_ops(limit: int | None) -> tuple[int, list[str]]:
    """Run each op-table row on the GPU; return (rows run, failures)."""
    from op_table import ROWS, draw

    import likelygrad as lg

    failures, n = [], 0
    for row in ROWS[:limit]:
        rng = np.random.default_rng(0)
        xs = [draw(s, row.domain, rng) for s in row.shapes]
        try:
            gpu = [lg.tensor(x, requires_grad=True, device="cuda") for x in xs]
            cpu = [lg.tensor(x, requires_grad=True) for x in xs]
            out, ref = row.lg_fn(*gpu), row.lg_fn(*cpu)
            np.testing.assert_allclose(out.cpu().numpy(), row.np_fn(*xs), rtol=1e-10, atol=1e-12)
            v = np.random.default_rng(1).standard_normal(ref.shape)
            out.backward(lg.tensor(v, device="cuda"))
            ref.backward(v)
            for a, b in zip(gpu, cpu):
                np.testing.assert_allclose(
                    a.grad.cpu().numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12
                )
        except Exception as e:  # a report, not a stop: every row gets its verdict
            first = (str(e).splitlines() or [""])[0][:160]
            if row.name in UNDEFINED_ON_GPU:
                print(f"  differs, as it may on CUDA (a position written twice): {row.id}")
            else:
                failures.append(f"{row.id}: {type(e).__name__}: {first}")
        n += 1
        if n % 100 == 0:  # progress, for a run cut short by a time limit
            print(f"  op table: {n} rows, {len(failures)} failing", flush=True)
    return n, failures


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    centers = np.random.default_rng(0).standard_normal((10, 784)).astype(np.float32)
    rng = np.random.default_rng(seed + 1)  # the test set's examples, around the same centers
    y = rng.integers(0, 10, n)
    # classes 0.1 apart per pixel under unit noise: separable, but not at a glance (~90%)
    x = (0.1 * centers[y] + rng.standard_normal((n, 784)).astype(np.float32)).astype(np.float32)
    return x, y


def weights(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for n_in, n_out in ((784, 256), (256, 10)):
        b = 1 / np.sqrt(n_in)
        out += [rng.uniform(-b, b, (n_out, n_in)).astype(np.float32),
                rng.uniform(-b, b, n_out).astype(np.float32)]  # fmt: skip
    return out


def train_likelygrad(x, y, xt, yt, batch, epochs, perms):
    import likelygrad as lg
    from likelygrad import nn, optim

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    model.load_state_dict(dict(zip(["0.weight", "0.bias", "2.weight", "2.bias"], weights())))
    model.to("cuda")
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xg, yg = lg.tensor(x, device="cuda"), lg.tensor(y, device="cuda")
    times = []
    for perm in perms[:epochs]:
        sync()
        t0 = time.perf_counter()
        idx = lg.tensor(perm, device="cuda")
        for s in range(0, len(perm), batch):
            b = idx[s : s + batch]
            loss = nn.functional.cross_entropy(model(xg[b]), yg[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sync()
        times.append(time.perf_counter() - t0)
    with lg.no_grad():
        pred = model(lg.tensor(xt, device="cuda")).argmax(dim=1).cpu().numpy()
    final = [p.detach().cpu().numpy() for p in model.parameters()]
    return times, float((pred == yt).mean()), lg.cuda.max_memory_allocated(), final


def train_torch(x, y, xt, yt, batch, epochs, perms, dev):
    import torch

    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
    )
    names = ["0.weight", "0.bias", "2.weight", "2.bias"]
    model.load_state_dict({k: torch.from_numpy(w) for k, w in zip(names, weights())})
    model.to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xg, yg = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)
    if dev == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for perm in perms[:epochs]:
        sync()
        t0 = time.perf_counter()
        idx = torch.from_numpy(perm).to(dev)
        for s in range(0, len(perm), batch):
            b = idx[s : s + batch]
            loss = torch.nn.functional.cross_entropy(model(xg[b]), yg[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sync()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        pred = model(torch.from_numpy(xt).to(dev)).argmax(dim=1).cpu().numpy()
    peak = torch.cuda.max_memory_allocated() if dev == "cuda" else 0
    final = [p.detach().cpu().numpy() for p in model.parameters()]
    return times, float((pred == yt).mean()), peak, final


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small data, one epoch, a few op rows")
    p.add_argument("--fake", action="store_true", help="array_api_strict stands in for the GPU")
    p.add_argument("--epochs", type=int, default=3, help="timed epochs (after one warm-up)")
    p.add_argument("--part", choices=("all", "ops", "train"), default="all",
                   help="the op table, the training table, or both")  # fmt: skip
    args = p.parse_args(argv)
    import likelygrad as lg

    if args.fake:
        use_fake_gpu()
    if not lg.cuda.is_available():
        print("no CUDA device: install CuPy (pip install 'likelygrad[gpu]') on a GPU machine, "
              "or pass --fake to check the script on the CPU")  # fmt: skip
        return 2
    try:
        import torch

        dev = "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        torch, dev = None, "none"
    name = "array_api_strict stand-in" if args.fake else lg.cuda.get_device_name()
    print(f"device: {name}; torch: {getattr(torch, '__version__', 'absent')} on {dev}")

    failures: list[str] = []
    if args.part in ("all", "ops"):
        rows, failures = check_ops(20 if args.quick else None)
        print(f"op table on the GPU: {rows - len(failures)} of {rows} rows pass")
        for f in failures:
            print("  FAIL", f)
    if args.part == "ops":
        return 1 if failures else 0

    n, epochs = (4096, 1) if args.quick else (60000, args.epochs)
    x, y = data(n)
    xt, yt = data(2000, seed=1)
    perms = [np.random.default_rng(e).permutation(n) for e in range(epochs + 1)]
    head = ["batch", "likelygrad+CuPy s/epoch", "PyTorch CUDA s/epoch", "ratio",
            "peak GPU MiB (lg / torch)", "test acc (lg / torch)",
            "max |w_lg - w_torch|"]  # fmt: skip
    print("\n| " + " | ".join(head) + " |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for batch in (128, 512):
        train_likelygrad(x, y, xt, yt, batch, 1, perms)  # warm-up: kernels compile, pools fill
        lt, la, lm, lw = train_likelygrad(x, y, xt, yt, batch, epochs, perms[1:])
        if torch is not None:  # the same weights, batches and updates: they must agree
            train_torch(x, y, xt, yt, batch, 1, perms, dev)
            tt, ta, tm, tw = train_torch(x, y, xt, yt, batch, epochs, perms[1:], dev)
            ratio = f"{statistics.median(lt) / statistics.median(tt):.2f}"
            gap = max(float(np.abs(a - b).max()) for a, b in zip(lw, tw))
            torch_cols = f"{statistics.median(tt):.3f}", f"{tm / 2**20:.0f}", f"{ta:.4f}"
        else:
            ratio, torch_cols, gap = "–", ("–", "–", "–"), float("nan")
        print(f"| {batch} | {statistics.median(lt):.3f} | {torch_cols[0]} | {ratio} | "
              f"{lm / 2**20:.0f} / {torch_cols[1]} | {la:.4f} / {torch_cols[2]} | "
              f"{gap:.1e} |")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
