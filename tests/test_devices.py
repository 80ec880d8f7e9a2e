"""Devices with PyTorch's vocabulary, checked without a GPU.

A stand-in "cuda" device: array_api_strict arrays on its second device ("device1"). They refuse to
mix with arrays on another device and to turn into NumPy implicitly, as CuPy arrays do, and every
op runs through the portable (Array API) paths, so what passes here is what CuPy gets.
"""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import backend as B
from likelygrad import nn, optim

xps = pytest.importorskip("array_api_strict")


@pytest.fixture
def cuda():
    """Register the stand-in GPU as the 'cuda' device for one test."""
    fake = B.Backend(xps, {"cpu": xps.Device("CPU_DEVICE"), "cuda:0": xps.Device("device1")})
    B.register(type(xps.asarray(0.0)), fake, "cuda")
    lg.manual_seed(0)
    yield fake
    B.unregister("cuda")
    lg.manual_seed(0)


def test_without_cupy_cuda_names_the_extra():
    assert not lg.cuda.is_available() and lg.accelerator.current_accelerator() is None
    with pytest.raises(RuntimeError, match=r"pip install 'likelygrad\[gpu\]'"):
        lg.tensor([1.0], device="cuda")


def test_tensors_on_the_device(cuda):
    x = lg.tensor([[1.0, 2.0], [3.0, 4.0]], device="cuda")
    assert x.device == lg.device("cuda", 0) and str(x.device) == "cuda:0" and x.is_cuda
    assert x.device.type == "cuda" and "device='cuda:0'" in repr(x)
    with pytest.raises(TypeError, match=r"cuda:0 device type tensor to numpy. Use Tensor.cpu\(\)"):
        x.numpy()
    np.testing.assert_array_equal(x.cpu().numpy(), [[1, 2], [3, 4]])
    assert x.sum().item() == 10.0 and x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert lg.zeros(2, 3, device="cuda").device == "cuda:0"
    assert lg.randn(3, device="cuda").is_cuda and x.to("cpu").device == lg.device("cpu")
    assert lg.cuda.is_available() and lg.accelerator.current_accelerator() == lg.device("cuda")


def test_set_default_device_places_what_factories_make(cuda):
    lg.set_default_device("cuda")  # the polynomial tutorial's first line after picking a device
    try:
        made = [lg.zeros(2), lg.linspace(0, 1, 5), lg.randn(()), lg.tensor([1.0]), nn.Linear(2, 1)]
        layers = [nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)]
        assert lg.get_default_device() == "cuda" and lg.from_numpy(np.ones(2)).device == "cpu"
    finally:
        lg.set_default_device(None)
    assert all(t.is_cuda for t in made[:4]) and made[4].weight.is_cuda
    assert all(t.is_cuda for layer in layers for t in layer.state_dict().values())
    assert lg.get_default_device() == "cpu" and lg.zeros(1).device == "cpu"


def test_mixing_devices_names_both(cuda):
    a, b = lg.ones(3, device="cuda"), lg.ones(3)
    with pytest.raises(RuntimeError, match=r"same device.*cuda:0 and cpu"):
        a + b


def test_gradients_cross_devices_and_match_the_cpu(cuda):
    rng = np.random.default_rng(0)
    xa, wa = rng.standard_normal((5, 4)), rng.standard_normal((3, 4))
    grads = []
    for dev in ("cpu", "cuda"):
        x = lg.tensor(xa, requires_grad=True)  # a CPU leaf, moved: its gradient comes back
        w = lg.tensor(wa, requires_grad=True, device=dev)
        y = (x.to(dev) @ w.T).relu().log_softmax(dim=1)
        loss = -y[lg.arange(5, device=dev), lg.tensor([0, 1, 2, 0, 1], device=dev)].mean()
        loss.backward()
        assert x.grad.device == "cpu" and w.grad.device == ("cuda:0" if dev == "cuda" else "cpu")
        grads.append((x.grad.numpy(), w.grad.cpu().numpy(), loss.item()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def _train(dev: str, opt_cls, steps: int = 5):
    lg.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)).to(dev)
    opt = opt_cls(model.parameters(), lr=0.1, **({"momentum": 0.9} if opt_cls is optim.SGD else {}))
    rng = np.random.default_rng(1)
    for _ in range(steps):
        x = lg.tensor(rng.standard_normal((16, 6)).astype(np.float32), device=dev)
        y = lg.tensor(rng.integers(0, 3, 16), device=dev)
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, opt


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.Adam])
def test_a_model_trains_on_the_device_like_on_the_cpu(cuda, opt_cls):
    on_cpu, _ = _train("cpu", opt_cls)
    on_gpu, opt = _train("cuda", opt_cls)
    for p, q in zip(on_cpu.parameters(), on_gpu.parameters()):
        assert q.device == "cuda:0" and q.grad.device == "cuda:0"
        np.testing.assert_allclose(p.numpy(), q.cpu().numpy(), rtol=1e-5, atol=1e-6)
    states = [v for s in opt.state.values() for v in s.values() if hasattr(v, "shape")]
    assert states and all(B.backend_of(v) is cuda for v in states)  # state lives with params


def test_checkpoints_written_from_the_device_load_anywhere(cuda, tmp_path):
    from likelygrad.train.checkpoint import load_checkpoint, save_checkpoint
    from likelygrad.train.loop import snapshot

    model, _ = _train("cuda", optim.SGD)
    save_checkpoint(tmp_path / "m.npz", snapshot(model), {})
    arrays, _ = load_checkpoint(tmp_path / "m.npz")
    for dev in ("cpu", "cuda"):
        copy = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)).to(dev)
        copy.load_state_dict(arrays)
        for p, q in zip(model.parameters(), copy.parameters()):
            assert q.device.type == dev
            np.testing.assert_array_equal(p.cpu().numpy(), q.cpu().numpy())


def test_random_numbers_come_from_the_device_and_manual_seed_resets_them(cuda):
    lg.manual_seed(5)
    a = lg.rand(4, device="cuda").cpu().numpy()
    d = nn.functional.dropout(lg.ones(1000, device="cuda"), 0.5).cpu().numpy()
    lg.manual_seed(5)
    np.testing.assert_array_equal(a, lg.rand(4, device="cuda").cpu().numpy())
    np.testing.assert_array_equal(
        d, nn.functional.dropout(lg.ones(1000, device="cuda"), 0.5).cpu().numpy()
    )
    lg.manual_seed(5)  # the CPU's numbers are what they always were
    assert lg.rand(1).item() == pytest.approx(
        float(np.random.default_rng(5).random(dtype=np.float32))
    )


def test_the_gpu_script_runs_its_paths_on_the_stand_in():
    """benchmarks/gpu.py is what runs on a real GPU; here it runs on the stand-in device."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "gpu.py"
    r = subprocess.run(
        [sys.executable, str(script), "--fake", "--quick"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "op table on the GPU: 20 of 20 rows pass" in r.stdout and "| 512 |" in r.stdout


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.Adam])
def test_the_training_loop_runs_on_array_api_strict(opt_cls):
    """Parameters and data as array_api_strict arrays on the CPU: every op, the engine and the
    optimizer run through the portable paths, and give NumPy's weights."""
    results = []
    for lib in ("numpy", "strict"):
        lg.manual_seed(3)
        model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
        if lib == "strict":
            for p in model.parameters():
                p.array = xps.asarray(p.numpy())
        wrap = (lambda a: lg.tensor(xps.asarray(a))) if lib == "strict" else lg.tensor
        opt = opt_cls(model.parameters(), lr=0.1)
        rng = np.random.default_rng(1)
        for _ in range(4):
            x = wrap(rng.standard_normal((16, 6)).astype(np.float32))
            y = wrap(rng.integers(0, 3, 16))
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert all(type(p.array).__module__.startswith(lib if lib == "numpy" else "array_api")
                   for p in model.parameters())  # fmt: skip
        results.append([np.asarray(p.array) for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_cli_trains_on_the_device_and_its_checkpoint_evaluates_on_the_cpu(cuda, tmp_path):
    pytest.importorskip("sklearn")  # the digits data set
    from likelygrad.cli import main

    out = tmp_path / "run"
    args = ["--dataset", "digits", "--model", "logreg", "--epochs", "2", "--out", str(out)]
    assert main(["train", *args, "--device", "cuda", "--no-plots", "--quiet"]) == 0
    gpu_acc = __import__("json").loads((out / "metrics.json").read_text())
    B.unregister("cuda")  # the checkpoint is plain arrays: the CPU evaluates it
    assert main(["eval", str(next(out.glob("checkpoint.*")))]) == 0
    cpu = tmp_path / "cpu"
    assert main(["train", *args[:-1], str(cpu), "--no-plots", "--quiet"]) == 0
    cpu_acc = __import__("json").loads((cpu / "metrics.json").read_text())
    assert gpu_acc["test_accuracy"] == pytest.approx(cpu_acc["test_accuracy"], abs=0.01)


def test_optimizer_state_on_the_device_is_saved_from_host_memory(cuda):
    """An Adam state living on the GPU flattens into NumPy arrays for a checkpoint, and loads
    back into an optimizer on the CPU with the same values."""
    from likelygrad.optim.flatten import flatten_state, unflatten_state

    lg.manual_seed(0)
    m = nn.Linear(3, 2).to("cuda")
    opt = optim.Adam(m.parameters(), lr=0.1)
    m(lg.ones(4, 3, device="cuda")).sum().backward()
    opt.step()
    flat = flatten_state(opt.state_dict())
    assert all(isinstance(v, np.ndarray) for v in flat.values())
    cpu = nn.Linear(3, 2)
    again = optim.Adam(cpu.parameters(), lr=0.1)
    again.load_state_dict(unflatten_state(flat))
    want = xps.asarray(opt.state[m.weight]["exp_avg"], device=xps.Device("CPU_DEVICE"))
    np.testing.assert_array_equal(np.asarray(again.state[cpu.weight]["exp_avg"]), np.asarray(want))


def test_a_cpu_scalar_tensor_meets_device_tensors_as_in_torch(cuda):
    """torch.tensor(2.0) (0-d, on the CPU, no gradient) combines with tensors on any device in
    elementwise ops, in place too; not in stack/cat, and not when it is longer than 0-d."""
    x = lg.ones(3, device="cuda", requires_grad=True)
    y = (x * lg.tensor(2.0) + lg.log(lg.tensor(2.0))).sum()
    y.backward()
    assert y.device == lg.device("cuda:0") and x.grad.device == lg.device("cuda:0")
    assert x.grad.cpu().tolist() == [2.0, 2.0, 2.0]
    z = lg.ones(3, device="cuda")
    z.mul_(lg.tensor(2.0))
    z += lg.tensor(1.0)
    z[0] = lg.tensor(5.0)
    assert z.cpu().tolist() == [5.0, 3.0, 3.0]
    with pytest.raises(RuntimeError, match="same device"):
        lg.ones(3, device="cuda") + lg.ones(1)  # not 0-d: refused, as by torch
    with pytest.raises(RuntimeError):
        lg.stack([lg.tensor(1.0, device="cuda"), lg.tensor(2.0)])  # not elementwise
    # likelygrad's limit (torch allows it): a CPU scalar that needs a gradient stays on the CPU
    with pytest.raises(RuntimeError, match="same device"):
        x * lg.tensor(2.0, requires_grad=True)


def test_a_cpu_scalar_changed_in_place_after_use_on_a_device_fails_backward(cuda):
    """The moved copy keeps the scalar's version counter: changing the scalar before backward
    raises, as torch does, rather than giving a gradient from either value."""
    x = lg.ones(3, device="cuda", requires_grad=True)
    s = lg.tensor(2.0)
    y = (x * s).sum()
    s.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_elementwise_max_of_bools_is_or_on_every_backend(cuda):
    a = lg.tensor([True, False, False], device="cuda")
    b = lg.tensor([False, False, True], device="cuda")
    assert lg.max(a, b).cpu().tolist() == [True, False, True]
    assert lg.min(a, b).cpu().tolist() == [False, False, False]


@pytest.mark.parametrize(
    "index",
    [slice(8, 20), slice(-20, 3), slice(None, None, -1), slice(20, None, -1),
     slice(-100, None, -1), slice(3, -100, -1), slice(5, 2), slice(None, None, 3)],
)  # fmt: skip
def test_slices_past_the_end_clamp_on_every_backend(cuda, index):
    """x[s : s + batch] on the last, short batch: torch clamps; the Array API leaves it open."""
    x = lg.arange(10.0, device="cuda")
    assert x[index].cpu().tolist() == np.arange(10.0)[index].tolist()
    y = lg.arange(12.0, device="cuda").reshape(3, 4)
    assert y[1:10, index].cpu().tolist() == np.arange(12.0).reshape(3, 4)[1:10, index].tolist()
