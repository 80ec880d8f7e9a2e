"""The machine a benchmark ran on: CPU, Python, library versions and BLAS, the likelygrad
revision, and how long `import likelygrad` takes in a fresh interpreter.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """This process's environment with the checkout first on PYTHONPATH, for the processes we
    start (so they import the likelygrad being measured)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def import_times(repeats: int) -> dict[str, Any]:
    """Seconds to import, from fresh interpreters: median of `repeats` runs minus `pass`'s,
    the runs of each statement interleaved; and `-X importtime`'s biggest likelygrad modules."""
    statements = {
        "pass": "pass",
        "numpy": "import numpy",
        "likelygrad": "import likelygrad",
        "likelygrad+nn+optim": "import likelygrad.nn, likelygrad.optim",
    }
    # Timed as a user runs it: with bytecode, which pip writes at install time. The checkout's
    # bytecode goes to a scratch folder (PYTHONDONTWRITEBYTECODE, if set, would otherwise make
    # every run compile every module from source), written by one untimed run first.
    env = child_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="likelygrad-pyc-") as pyc:
        python = [sys.executable, "-X", f"pycache_prefix={pyc}"]
        subprocess.run([*python, "-c", statements["likelygrad+nn+optim"]], env=env, check=True)
        runs: dict[str, list[float]] = {k: [] for k in statements}
        for _ in range(repeats):
            for key, code in statements.items():
                t0 = time.perf_counter()
                subprocess.run([*python, "-c", code], env=env, check=True)
                runs[key].append(time.perf_counter() - t0)
        proc = subprocess.run(
            [*python, "-X", "importtime", "-c", "import likelygrad"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    bare = statistics.median(runs["pass"])
    out: dict[str, Any] = {k: statistics.median(v) - bare for k, v in runs.items() if k != "pass"}
    entries = []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            entries.append((int(parts[0]), int(parts[1]), parts[2].strip()))
    own = [e for e in entries if e[2].startswith("likelygrad")]
    out["importtime_top_self_us"] = sorted(((e[0], e[2]) for e in own), reverse=True)[:6]
    wanted = ("likelygrad", "numpy")
    out["importtime_cumulative_us"] = {e[2]: e[1] for e in entries if e[2] in wanted}
    return out


def environment() -> dict[str, Any]:
    """CPU, Python and library versions, and numpy's BLAS (from threadpoolctl)."""
    env: dict[str, Any] = {"python": platform.python_version(), "numpy": np.__version__}
    try:
        with open("/proc/cpuinfo") as f:
            info = dict((k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in f) if v)
        flags = info.get("flags", "").split()
        simd = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
        env["cpu"] = (
            f"{info.get('model name', '?')} (family {info.get('cpu family', '?')}, "
            f"model {info.get('model', '?')}; {' '.join(simd)}), "
            f"{os.cpu_count()} logical CPUs"
        )
    except OSError:
        env["cpu"] = platform.processor() or "?"
    try:
        from threadpoolctl import threadpool_info

        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        env["numpy_blas"] = ", ".join(
            f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')} kernels)"
            for p in blas
        )
    except ImportError:
        env["numpy_blas"] = "unknown (install threadpoolctl)"
    for module in ("torch", "sklearn"):
        if importlib.util.find_spec(module) is not None:
            from importlib.metadata import version

            env[module] = version("scikit-learn" if module == "sklearn" else module)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            env[var] = os.environ[var]
    env["likelygrad"] = _git_revision()
    return env


def _git_revision() -> str:
    """The commit the measured likelygrad comes from, and whether likelygrad/ differs from it."""
    try:
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "likelygrad"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision (not a git checkout)"
    return f"commit {head}" + (" with uncommitted changes in likelygrad/" if dirty else "")
