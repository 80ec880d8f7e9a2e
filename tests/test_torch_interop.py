"""PyTorch weights both ways, through safetensors files (no pickle): a likelygrad state_dict loads
into the equivalent torch.nn model with the same keys and layouts, and back, giving the same
outputs."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
st_numpy = pytest.importorskip("safetensors.numpy")
st_torch = pytest.importorskip("safetensors.torch")

import likelygrad as lg  # noqa: E402
from likelygrad import models, nn  # noqa: E402


def save_likelygrad(model: nn.Module, path) -> None:
    st_numpy.save_file({k: np.ascontiguousarray(v.numpy()) for k, v in model.state_dict().items()},
                       str(path))  # fmt: skip


def load_into_likelygrad(model: nn.Module, path) -> None:
    model.load_state_dict(st_numpy.load_file(str(path)))  # strict: every key must match


def pair(dtype=np.float32):
    """The same architecture in both libraries, each with its own random weights."""
    lg.manual_seed(0)
    torch.manual_seed(1)
    ours = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.Tanh(), nn.Dropout(0.3),
                         nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3, bias=False))  # fmt: skip
    theirs = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 16), torch.nn.Tanh(),
                                 torch.nn.Dropout(0.3), torch.nn.Linear(16, 8), torch.nn.ReLU(),
                                 torch.nn.Linear(8, 3, bias=False))  # fmt: skip
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    return ours.eval(), theirs.eval()


def outputs(ours, theirs, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with lg.no_grad(), torch.no_grad():
        return ours(lg.from_numpy(x)).numpy(), theirs(torch.from_numpy(x)).numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_likelygrad_weights_load_into_torch(tmp_path, dtype):
    ours, theirs = pair(dtype)
    save_likelygrad(ours, tmp_path / "lg.safetensors")
    loaded = st_torch.load_file(str(tmp_path / "lg.safetensors"))
    assert list(ours.state_dict()) == list(theirs.state_dict())  # same keys, in the same order
    theirs.load_state_dict(loaded)  # strict, and torch checks every shape
    x = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(dtype)
    a, b = outputs(ours, theirs, x)
    np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_weights_load_into_likelygrad(tmp_path, dtype):
    ours, theirs = pair(dtype)
    st_torch.save_file(theirs.state_dict(), str(tmp_path / "torch.safetensors"))
    load_into_likelygrad(ours, tmp_path / "torch.safetensors")
    for (k, v), (k2, w) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == k2 and v.dtype == w.numpy().dtype
        np.testing.assert_array_equal(v.numpy(), w.numpy())
    x = np.random.default_rng(1).standard_normal((5, 3, 4)).astype(dtype)
    a, b = outputs(ours, theirs, x)
    np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-6)


def test_round_trip_is_bit_exact(tmp_path):
    ours, theirs = pair()
    before = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    save_likelygrad(ours, tmp_path / "a.safetensors")
    theirs.load_state_dict(st_torch.load_file(str(tmp_path / "a.safetensors")))
    st_torch.save_file(theirs.state_dict(), str(tmp_path / "b.safetensors"))
    lg.manual_seed(5)
    fresh, _ = pair()
    load_into_likelygrad(fresh, tmp_path / "b.safetensors")
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_buffers_cross_too(tmp_path):
    """Persistent buffers are state_dict entries in both libraries, in the same place."""

    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.register_buffer("scale", lg.tensor([2.0, 3.0]))
            self.register_buffer("scratch", lg.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc(x) * self.scale

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)
            self.register_buffer("scale", torch.ones(2))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc(x) * self.scale

    ours, theirs = Ours(), Theirs()
    save_likelygrad(ours, tmp_path / "b.safetensors")
    theirs.load_state_dict(st_torch.load_file(str(tmp_path / "b.safetensors")))
    # as in torch: a module's own parameters and buffers, then its children's
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["scale", "fc.weight",
                                                                    "fc.bias"]  # fmt: skip
    x = np.ones((2, 3), np.float32)
    a, b = outputs(ours, theirs, x)
    np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("config", [{"model": "logreg"},
                                    {"model": "mlp", "hidden": [32, 16], "activation": "sigmoid",
                                     "dropout": 0.1}])  # fmt: skip
def test_cli_models_have_a_torch_twin(tmp_path, config):
    """The command line's models, rebuilt in torch.nn from the same configuration."""
    ours = models.build_model(config, 784, 10).eval()
    acts = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}
    layers, width = [], 784
    for h in config.get("hidden", []):
        layers += [torch.nn.Linear(width, h), acts[config["activation"]](), torch.nn.Dropout(0.1)]
        width = h
    theirs = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10)).eval()
    save_likelygrad(ours, tmp_path / "m.safetensors")
    theirs.load_state_dict(st_torch.load_file(str(tmp_path / "m.safetensors")))
    x = np.random.default_rng(2).random((4, 784), dtype=np.float32)
    a, b = outputs(ours, theirs, x)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
