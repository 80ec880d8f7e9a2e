"""Where does a likelygrad training step spend its time? Microseconds per step, three ways.

    python benchmarks/profile_step.py --model 784-256-10:relu --batch 128
    python benchmarks/profile_step.py --model 784-10 --batch 128 --cprofile 30

1. phases of the loop a user writes (gather, lg.from_numpy, forward, loss, zero_grad, backward,
   step), timed with perf_counter around each;
2. optionally cProfile's functions by self time, per step (cProfile slows Python code ~2×, so
   read its numbers as proportions);
3. every op's forward and VJP (timed by an engine observer, `autograd.engine.OBSERVERS`), and
   the rest of each phase (engine, modules, validation: the Python around the arrays);
4. the engine's whole cost, in place: the same step with the same ops' forward and VJP code
   called directly (no Tensor, Node, Module or graph walk), alternating blocks with the real step.
   Inside a training step every small call runs slower than in isolation (the GEMMs evict the
   caches), so this in-place difference is the honest measure of what the engine adds.

One BLAS thread, as in the benchmark's primary figure. Fashion-MNIST when on disk, otherwise
generated data of its shape (timings do not depend on the values).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy loads its BLAS

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import machine  # noqa: E402
import workload  # noqa: E402
from train_likelygrad import _likelygrad_model  # noqa: E402

PHASES = ("gather", "from_numpy", "forward", "loss", "zero_grad", "backward", "step")


def build(model: workload.Model, folder: Path, seed: int):
    """The benchmark's model, weights and optimizer."""
    from likelygrad import optim

    workload.write_weights(model, folder, seed)
    spec = {"sizes": list(model.sizes), "activation": model.activation}
    net, _ = _likelygrad_model(spec, harness.load_weights(str(folder), model.name))
    return net, optim.SGD(net.parameters(), lr=0.01, momentum=0.9)


def time_ops(totals: dict[str, float], counts: dict[str, int]) -> Any:
    """Time every op's forward and VJP through the engine's observers (no op is patched);
    returns the observer, to remove it from `OBSERVERS` afterwards."""
    from likelygrad.autograd.engine import OBSERVERS
    from likelygrad.autograd.node import Node

    def observe(phase: str, node: Any, seconds: float) -> None:
        op = node.op if isinstance(node, Node) else node
        key = f"{op.__name__}.{'forward' if phase == 'forward' else 'backward'}"
        totals[key] += seconds
        counts[key] += 1

    OBSERVERS.append(observe)
    return observe


class _Ctx:
    """What `apply`'s Node gives an op: which inputs need a gradient, a slot for saved values."""

    __slots__ = ("needs", "saved", "xp")

    def __init__(self, needs: tuple[bool, ...]) -> None:
        from likelygrad.backend import NUMPY

        self.needs, self.saved, self.xp = needs, None, NUMPY


def bare_step(net, opt, xb, yb) -> None:
    """One training step of a Sequential MLP from the ops' own code, called directly: the
    arithmetic of the real step without the engine (no Tensor, Node, Module or toposort)."""
    import numpy as np

    from likelygrad import elementwise as ew
    from likelygrad import nn, ops
    from likelygrad.dispatch import make
    from likelygrad.likelihoods import class_labels
    from likelygrad.softmax_ops import CategoricalLogProb

    acts = {nn.ReLU: ew.Relu, nn.Sigmoid: ew.Sigmoid, nn.Tanh: ew.Tanh}
    tape, a = [], xb
    for i, m in enumerate(net._modules.values()):
        if isinstance(m, nn.Linear):
            params = (m.weight,) if m.bias is None else (m.weight, m.bias)
            ctx = _Ctx((i > 0,) + (True,) * len(params))  # the data needs no gradient
            a = ops.Linear.forward(ctx, a, *(p.array for p in params))
            tape.append((ops.Linear, ctx, params))
        else:
            ctx = _Ctx((True,))
            a = acts[type(m)].forward(ctx, a)
            tape.append((acts[type(m)], ctx, ()))
    ctx = _Ctx((True,))
    labels = class_labels(yb, a.shape, "cross_entropy")
    CategoricalLogProb.forward(ctx, a, labels=labels, scale=-1.0 / len(yb))
    (g,) = CategoricalLogProb.backward(ctx, np.array(1, a.dtype))
    for op, ctx, params in reversed(tape):
        g, *grads = op.backward(ctx, g)
        for p, pg in zip(params, grads):
            p.grad = make(pg, None)
    opt.step()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="784-256-10:relu")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--data", choices=("auto", "generated", "fashion-mnist"), default="auto")
    p.add_argument("--cprofile", type=int, default=0, metavar="N", help="show cProfile's top N")
    args = p.parse_args(argv)

    import likelygrad as lg
    from likelygrad import nn

    F = nn.functional
    model = workload.parse_model(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        info = workload.prepare_data(args.data, folder, None, None, 1, 0)
        data = harness.load_data(tmp)
        net, opt = build(model, folder, 0)
    x, y, perm, b = data["x_train"], data["y_train"], data["perms"][0], args.batch
    starts = list(harness.batch_starts(len(perm) - b, b))
    clock = time.perf_counter
    phase = dict.fromkeys(PHASES, 0.0)

    def step(s: int) -> None:
        t0 = clock()
        idx = perm[s : s + b]
        xb, yb = x[idx], y[idx]
        t1 = clock()
        xt = lg.from_numpy(xb)
        t2 = clock()
        out = net(xt)
        t3 = clock()
        loss = F.cross_entropy(out, yb)
        t4 = clock()
        opt.zero_grad()
        t5 = clock()
        loss.backward()
        t6 = clock()
        opt.step()
        t7 = clock()
        for key, dt in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6)):
            phase[key] += dt

    def run(n: int, first: int = 0) -> None:
        for k in range(n):
            step(starts[(first + k) % len(starts)])

    run(30)  # warm-up
    phase.update(dict.fromkeys(PHASES, 0.0))
    run(args.steps, 30)
    n, us = args.steps, 1e6
    total, per_epoch = sum(phase.values()), len(range(0, len(perm), b))
    print(
        f"{model.label}, batch {b}, {info['name']} data, 1 thread: "
        f"{total / n * us:.0f} µs/step = {total / n * per_epoch:.3f} s/epoch"
    )
    print("\nphases (µs/step)")
    for key, t in phase.items():
        print(f"  {key:10s} {t / n * us:8.1f}  {100 * t / total:5.1f}%")

    if args.cprofile:
        prof = cProfile.Profile()
        prof.enable()
        run(args.steps, 30)
        prof.disable()
        rows = []
        for (file, line, name), (_, calls, self_t, cum_t, _) in pstats.Stats(prof).stats.items():
            where = Path(file).name if "site-packages" in file or file.startswith("~") else file
            where = os.path.relpath(where, machine.ROOT) if os.path.isabs(where) else where
            rows.append((self_t, cum_t, calls, f"{where}:{line}({name})"))
        print(f"\ncProfile, top {args.cprofile} by self time (µs/step; inflated by the profiler)")
        print(f"  {'self':>8} {'cumul':>8} {'calls':>6}  function")
        for self_t, cum_t, calls, where in sorted(rows, reverse=True)[: args.cprofile]:
            print(f"  {self_t / n * us:8.1f} {cum_t / n * us:8.1f} {calls / n:6.1f}  {where}")

    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    observer = time_ops(totals, counts)
    run(30)
    totals.clear()
    counts.clear()
    phase.update(dict.fromkeys(PHASES, 0.0))
    run(args.steps, 30)
    wrapped = sum(phase.values())
    print(f"\nops (µs/step; observing adds ~1 µs per op; step {wrapped / n * us:.0f} µs here)")
    for key, t in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {key:32s} {t / n * us:8.1f}   calls/step {counts[key] / n:.0f}")
    in_ops = sum(totals.values())
    around = phase["forward"] + phase["loss"] + phase["backward"] - in_ops
    print(
        f"  {'Python around the ops':32s} {around / n * us:8.1f}   (forward + loss + backward "
        "phases minus the ops: engine, modules, validation)"
    )

    # 4. the real step against the same ops called directly, in alternating blocks
    from likelygrad.autograd.engine import OBSERVERS

    OBSERVERS.remove(observer)  # part 3's timers off

    def gather(s: int) -> tuple:
        idx = perm[s : s + b]
        return x[idx], y[idx]

    def engine_step(s: int) -> None:  # `step` without its phase timers
        xb, yb = gather(s)
        loss = F.cross_entropy(net(lg.from_numpy(xb)), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()

    ways = {"engine": engine_step, "bare": lambda s: bare_step(net, opt, *gather(s))}
    blocks: dict[str, list[float]] = {"engine": [], "bare": []}
    for r in range(max(2, args.steps // 50)):
        for name, fn in ways.items():
            for k in range(5):  # settle
                fn(starts[(r * 55 + k) % len(starts)])
            t0 = clock()
            for k in range(5, 55):
                fn(starts[(r * 55 + k) % len(starts)])
            blocks[name].append((clock() - t0) / 50)
    eng, bare = (sorted(v)[len(v) // 2] * us for v in blocks.values())
    print(
        f"\nthe engine in place (medians of {len(blocks['bare'])} alternating blocks of 50 steps)\n"
        f"  step {eng:.0f} µs, the same ops called directly {bare:.0f} µs: "
        f"the engine adds {eng - bare:.0f} µs ({100 * (eng - bare) / eng:.1f}% of the step)"
    )


if __name__ == "__main__":
    main()
