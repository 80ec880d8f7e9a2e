"""The CNN rows of the speed benchmark: the model spec, its GEMM count, and a small run."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import workload  # noqa: E402


def test_the_benchmark_cnn_is_the_issues_network():
    m = workload.parse_model("cnn")
    assert (m.sizes, m.channels, m.pool_first) == ((784, 1600, 128, 10), (32, 64), False)
    assert workload.parse_model("cnn-4-8-16:pool-relu").pool_first
    # conv 1→32 on 26×26 outputs, conv 32→64 on 11×11 (after a pool of 13×13), 1600-128-10
    assert workload.gemms(m.sizes, m.channels) == [
        (676, 9, 32), (121, 288, 64), (1, 1600, 128), (1, 128, 10),
    ]  # fmt: skip
    fwd = 2 * (676 * 9 * 32 + 121 * 288 * 64 + 1600 * 128 + 128 * 10)
    assert workload.flops_per_example(m.sizes, m.channels) == 3 * fwd - 2 * 676 * 9 * 32
    for bad in ("cnn-32", "cnn-8-8-8-8-8", "cnn:relu", "cnn-a-b"):
        with pytest.raises(ValueError, match="model"):
            workload.parse_model(bad)


def test_a_small_cnn_run_has_its_rows(tmp_path):
    out = tmp_path / "bench.json"
    args = ["--data", "generated", "--train-size", "1024", "--test-size", "256", "--models",
            "cnn-4-8-16", "--rounds", "1", "--warmup", "2", "--import-repeats", "0",
            "--json", str(out)]  # fmt: skip
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), *args], capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["framework"]: r for r in json.loads(out.read_text())["rows"]}
    expected = {"likelygrad", "likelygrad-fit", "matmul"}  # no sklearn or numpy CNN rows
    expected |= {"torch"} if importlib.util.find_spec("torch") else set()
    assert set(rows) == expected
    assert all(r["batch"] == 128 and r["seconds"] > 0 for r in rows.values())
    assert rows["likelygrad"]["accuracy"] == rows["likelygrad-fit"]["accuracy"]
    if "torch" in rows:  # same weights and order: the same predictions up to rounding
        assert abs(rows["likelygrad"]["accuracy"] - rows["torch"]["accuracy"]) <= 0.015
        assert "time ≤ 1.0× torch" in proc.stdout
