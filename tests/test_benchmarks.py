"""The speed benchmark stays runnable: `benchmarks/run.py --quick` produces its table.

Nothing here is timed; the quick run trains a tiny model on generated data in a few seconds.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import speed  # noqa: E402
import workload  # noqa: E402
from report import COLUMNS  # noqa: E402


def test_flops_count_forward_backward_less_the_first_input_gradient():
    # 784-256-10: forward 2(784·256 + 256·10), dW the same, dX only for the second layer
    fwd = 2 * (784 * 256 + 256 * 10)
    assert workload.flops_per_example([784, 256, 10]) == 2 * fwd + 2 * 256 * 10
    assert workload.flops_per_example([784, 10]) == 2 * (2 * 784 * 10)


@pytest.mark.parametrize(
    "text, sizes, act",
    [("784-256-10:relu", (784, 256, 10), "relu"), ("784-10", (784, 10), None)],
)
def test_parse_model(text, sizes, act):
    assert workload.parse_model(text) == workload.Model(sizes, act)


@pytest.mark.parametrize("bad", ["784-256-10", "784-10:relu", "784", "a-b"])
def test_parse_model_rejects(bad):
    with pytest.raises(ValueError, match="model"):
        workload.parse_model(bad)


def test_quick_run_prints_the_table_with_every_column(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    header = next(line for line in proc.stdout.splitlines() if line.startswith("framework"))
    assert header.split("  ")[0] == "framework"
    for column in COLUMNS:
        assert column in header
    report = json.loads(out.read_text())
    expected = {"likelygrad", "likelygrad-fit", "numpy", "matmul"}
    expected |= {fw for fw, mod in speed.NEEDS.items() if importlib.util.find_spec(mod)}
    rows = {r["framework"]: r for r in report["rows"]}
    assert set(rows) == expected
    for fw, row in rows.items():
        assert row["seconds"] > 0 and row["peak_rss_mb"] > 0, fw
        if fw != "matmul":  # same weights, same order, same arithmetic: the same predictions
            assert abs(row["accuracy"] - rows["numpy"]["accuracy"]) <= 0.015, fw
    assert not [w for w in report["warnings"] if w.startswith("ACCURACY")]
    assert report["imports"]["likelygrad"] > 0


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh"])
def test_profile_bare_step_is_the_engine_step_without_the_engine(act):
    """profile_step's engine-free step must do exactly the engine's arithmetic, or its 'engine
    adds N µs' figure would compare different work: one step of each, identical weights after."""
    import numpy as np
    import profile_step

    import likelygrad as lg
    from likelygrad import nn, optim

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 12), dtype=np.float32), rng.integers(0, 3, 16)
    layer = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[act]
    nets = []
    for _ in range(2):
        lg.manual_seed(1)
        net = nn.Sequential(nn.Linear(12, 8), layer(), nn.Linear(8, 3, bias=False))
        nets.append((net, optim.SGD(net.parameters(), lr=0.1, momentum=0.9)))
    (engine, opt_e), (bare, opt_b) = nets
    for _ in range(2):  # the second step exercises the momentum buffers
        loss = nn.functional.cross_entropy(engine(lg.Tensor(x)), y)
        opt_e.zero_grad()
        loss.backward()
        opt_e.step()
        profile_step.bare_step(bare, opt_b, x, y)
    for pe, pb in zip(engine.parameters(), bare.parameters()):
        np.testing.assert_array_equal(pe.data, pb.data)


def test_user_loop_table_has_a_row_per_model_and_a_ratio_per_way():
    """The fresh-process loops run (tiny epochs) and the table compares each way with torch."""
    pytest.importorskip("torch")
    argv = [sys.executable, str(BENCH / "user_loop.py"), "--table", "--rounds", "1"]
    out = subprocess.run(argv + ["--size", "512"], capture_output=True, text=True, check=True)
    rows = [line for line in out.stdout.splitlines() if line.startswith("| 784")]
    assert [r.split("|")[1].strip() for r in rows] == [
        "784-10",
        "784-128-10:sigmoid",
        "784-256-10:relu",
    ]
    for r in rows:
        cells = [c.strip().strip("*") for c in r.split("|")[2:-1]]
        assert len(cells) == 11 and all(float(c) > 0 for c in cells[:9])
        assert float(cells[9]) >= 1.0  # the slowest likelygrad way ÷ the fastest
        assert len(cells[10].split(" / ")) == 5  # peak RSS of each way
        assert all(float(m) > 0 for m in cells[10].split(" / "))
