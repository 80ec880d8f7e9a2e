"""PyTorch's official MNIST programs (tests/programs/) on the GPU: each run as a script, in its own
folder, with `import likelygrad as torch`; they pick "cuda" themselves when
`torch.cuda.is_available()`. Prints, per program, whether it finished, its time, the device line
it printed and its last line. A device check: run it on a machine with an NVIDIA GPU and CuPy.

    LIKELYGRAD_DATA=/path/with/mnist-sample python benchmarks/gpu_programs.py [NAME ...]
    python benchmarks/gpu_programs.py --fake [NAME ...]  # no GPU: array_api_strict stands in
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import sys
import tempfile
import time
import traceback
from pathlib import Path

PROGRAMS = Path(__file__).resolve().parent.parent / "tests" / "programs"
ARGV = {"vae_mnist": ["--epochs", "2"], "mnist_main": ["--epochs", "1", "--save-model"]}
SKIP = {"hogwild_main", "hogwild_train"}  # CPU processes sharing memory: no device


def run_one(name: str) -> tuple[bool, float, list[str], str]:
    """(finished, seconds, stdout lines, the error's last traceback lines if any)."""
    import likelygrad as lg

    out, err, ok = io.StringIO(), "", True
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        sys.argv = [f"{name}.py", *ARGV.get(name, [])]
        lg.manual_seed(0)
        t0 = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out):
                runpy.run_path(str(PROGRAMS / f"{name}.py"), run_name="__main__")
        except BaseException:  # a report, not a stop: every program gets its verdict
            ok, err = False, "".join(traceback.format_exc().splitlines(True)[-6:])
        finally:
            seconds = time.perf_counter() - t0
            lg.set_default_device(None)
            os.chdir(here)
    return ok, seconds, out.getvalue().splitlines(), err


def main(argv: list[str]) -> int:
    import likelygrad as lg

    os.environ.setdefault("LIKELYGRAD_MIRROR", "file:///nonexistent-mirror")  # never download
    fake = argv[:1] == ["--fake"]
    if fake:
        from gpu import use_fake_gpu

        use_fake_gpu()
        argv = argv[1:]
    names = argv or sorted(p.stem for p in PROGRAMS.glob("*.py") if p.stem not in SKIP)
    print(f"cuda available: {lg.cuda.is_available()}", end="")
    print(f" ({lg.cuda.get_device_name()})" if lg.cuda.is_available() and not fake else "")
    failed = 0
    for name in names:
        ok, seconds, lines, err = run_one(name)
        failed += not ok
        device = next((ln for ln in lines if "cuda" in ln.lower() or "device" in ln.lower()), "")
        last = next((ln for ln in reversed(lines) if ln.strip()), "")
        verdict = "ok  " if ok else "FAIL"
        print(f"{verdict} {name:20s} {seconds:7.1f} s | {device[:60]} | {last[:80]}")
        if err:
            print("     " + err.replace("\n", "\n     "))
        sys.stdout.flush()
    print(f"{len(names) - failed} of {len(names)} programs finished")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
