"""Exporters of the layers named as PyTorch names them (Conv2d, MaxPool2d, BatchNorm2d,
LayerNorm, Embedding, GELU, ...), checked against torch's own layers in onnxruntime.

Each case uses likelygrad.nn's class of that name when it exists, with torch's weights loaded
into it. Until then a stand-in runs: a likelygrad module of that name carrying the torch layer's
attributes (weight, stride, padding, running_mean, ...) whose forward is torch's, so the exporter
is checked against torch's semantics either way.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import likelygrad as lg  # noqa: E402
from likelygrad import nn  # noqa: E402
from likelygrad.onnx import UnsupportedLayerError  # noqa: E402

T = torch.nn
# (torch layer, input shape); integer inputs are indices for Embedding
CASES = [
    (lambda: T.Conv2d(3, 4, 3), (2, 3, 8, 8)),
    (
        lambda: T.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2, bias=False),
        (2, 4, 9, 9),
    ),  # fmt: skip
    (lambda: T.Conv2d(3, 4, 4, padding="same", dilation=2), (2, 3, 7, 7)),
    (lambda: T.Conv1d(3, 5, 3, stride=2, padding="valid"), (2, 3, 11)),
    (lambda: T.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"), (2, 3, 8, 8)),
    (lambda: T.Conv2d(3, 4, 3, padding="same", dilation=2, padding_mode="replicate"), (2, 3, 7, 7)),
    (lambda: T.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), (2, 4, 5, 5)),
    (
        lambda: T.ConvTranspose2d(
            4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2, bias=False
        ),
        (2, 4, 5, 6),
    ),
    (lambda: T.ConvTranspose1d(3, 2, 4, stride=3, padding=1), (2, 3, 7)),
    (lambda: T.ConvTranspose3d(2, 3, 2, stride=2, output_padding=(1, 0, 1)), (1, 2, 3, 4, 2)),
    (lambda: T.MaxPool2d(2), (2, 3, 8, 8)),
    (lambda: T.MaxPool2d(3, stride=2, padding=1), (2, 3, 9, 9)),
    (lambda: T.MaxPool1d(3, stride=2), (2, 3, 10)),
    (lambda: T.AvgPool2d(2), (2, 3, 8, 8)),
    (lambda: T.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 3, 9, 9)),
    (lambda: T.AvgPool2d(3, stride=2, padding=1), (2, 3, 9, 9)),
    (lambda: T.AvgPool1d(2), (2, 3, 8)),
    (lambda: T.AdaptiveAvgPool2d(1), (2, 3, 6, 6)),
    (lambda: T.AdaptiveAvgPool2d((2, 3)), (2, 3, 6, 6)),
    (lambda: T.BatchNorm1d(5), (4, 5)),
    (lambda: T.BatchNorm2d(3), (4, 3, 5, 5)),
    (lambda: T.LayerNorm(6), (4, 6)),
    (lambda: T.LayerNorm((3, 4)), (2, 5, 3, 4)),
    (lambda: T.LayerNorm(6, elementwise_affine=False), (4, 6)),
    (lambda: T.Embedding(10, 4), (3, 5)),
    (lambda: T.GroupNorm(2, 4), (2, 4, 5, 5)),
    (lambda: T.GroupNorm(3, 6, affine=False), (2, 6, 7)),
    (lambda: T.GroupNorm(1, 3, eps=1e-3), (2, 3, 2, 3, 2)),
    (lambda: T.Dropout2d(0.5), (2, 3, 4, 4)),
    (lambda: T.Dropout1d(0.5), (2, 3, 5)),
    (lambda: T.LeakyReLU(0.2), (4, 6)),
    (lambda: T.ELU(0.5), (4, 6)),
    (lambda: T.SiLU(), (4, 6)),
    (lambda: T.GELU(), (4, 6)),
    (lambda: T.GELU(approximate="tanh"), (4, 6)),
    (lambda: T.Softmax(dim=1), (4, 6)),
    (lambda: T.LogSoftmax(dim=-1), (4, 6)),
]


def standin(tm: torch.nn.Module) -> nn.Module:
    """A likelygrad module named like tm's class (as if in likelygrad.nn) with tm's attributes
    as likelygrad values and tm's forward."""

    def forward(self, x):
        with torch.no_grad():
            return lg.from_numpy(self.torch_layer(torch.from_numpy(x.numpy())).numpy())

    cls = type(type(tm).__name__, (nn.Module,), {"__module__": "likelygrad.nn.standin",
                                                 "forward": forward})  # fmt: skip
    m = cls()
    m.torch_layer = tm
    for k, v in vars(tm).items():
        if not k.startswith("_") and k != "training":
            setattr(m, k, v)
    for k, p in tm._parameters.items():
        setattr(m, k, None if p is None else nn.Parameter(p.detach().numpy().copy()))
    for k, b in tm._buffers.items():
        setattr(m, k, None if b is None else lg.from_numpy(b.numpy().copy()))
    return m


def likelygrad_twin(tm: torch.nn.Module) -> nn.Module:
    """likelygrad.nn's layer of the same name, built alike with tm's weights, else a stand-in."""
    name = type(tm).__name__
    if not hasattr(nn, name):
        return standin(tm)
    args = {k: v for k, v in vars(tm).items() if not k.startswith("_") and k != "training"}
    if "bias" in tm._parameters:  # a parameter, not an attribute: bias=False leaves it None
        args["bias"] = tm._parameters["bias"] is not None
    ours = getattr(nn, name)(**_constructor_args(getattr(nn, name), args))
    ours.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    return ours


def _constructor_args(cls, attributes):
    import inspect

    names = inspect.signature(cls).parameters
    return {k: v for k, v in attributes.items() if k in names}


def prepared(make, shape):
    torch.manual_seed(0)
    tm = make()
    rng = np.random.default_rng(0)
    if isinstance(tm, T.Embedding):
        return tm.eval(), rng.integers(0, tm.num_embeddings, shape)
    if isinstance(tm, T.GroupNorm) and tm.affine:  # a scale and shift that show
        with torch.no_grad():
            tm.weight.uniform_(0.5, 2)
            tm.bias.uniform_(-1, 1)
    if isinstance(tm, T.modules.batchnorm._BatchNorm):  # running statistics worth the name
        with torch.no_grad():
            tm.weight.uniform_(0.5, 2)
            tm.bias.uniform_(-1, 1)
            tm(torch.randn(16, *shape[1:]) * 3 + 1)
    return tm.eval(), (rng.standard_normal(shape) * 2).astype(np.float32)


@pytest.mark.parametrize("make,shape", CASES, ids=[f"{i}" for i in range(len(CASES))])
def test_layer_matches_torch_in_onnxruntime(tmp_path, make, shape):
    tm, x = prepared(make, shape)
    ours = likelygrad_twin(tm).eval()
    path = lg.onnx.export(ours, tmp_path / "layer.onnx", x[:1])
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": x}
    )
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    with lg.no_grad():  # the likelygrad layer itself agrees with torch
        np.testing.assert_allclose(ours(lg.from_numpy(x)).numpy(), want, rtol=1e-5, atol=1e-5)


def test_a_convnet(tmp_path):
    torch.manual_seed(1)
    layers = [T.Conv2d(1, 4, 3, padding=1), T.BatchNorm2d(4), T.ReLU(), T.MaxPool2d(2),
              T.Conv2d(4, 8, 3), T.GELU(), T.AdaptiveAvgPool2d(1), T.Flatten(),
              T.Linear(8, 10)]  # fmt: skip
    theirs = T.Sequential(*layers).eval()
    ours = nn.Sequential(*[
        nn.ReLU() if isinstance(t, T.ReLU) else nn.Flatten() if isinstance(t, T.Flatten)
        else nn.Linear(8, 10) if isinstance(t, T.Linear) else likelygrad_twin(t)
        for t in layers
    ])  # fmt: skip
    ours[-1].load_state_dict({k: v.numpy() for k, v in layers[-1].state_dict().items()})
    x = np.random.default_rng(1).standard_normal((3, 1, 12, 12)).astype(np.float32)
    path = lg.onnx.export(ours, tmp_path / "cnn.onnx", x[:1], head="softmax")
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": x}
    )
    with torch.no_grad():
        want = torch.softmax(theirs(torch.from_numpy(x)), dim=-1).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: T.Conv2d(1, 1, 3, padding=1, padding_mode="circular"), "padding_mode='circular'"),
        (lambda: T.BatchNorm2d(2, track_running_stats=False), "track_running_stats=False"),
        (lambda: T.Embedding(4, 2, max_norm=1.0), "max_norm"),
        (lambda: T.AdaptiveAvgPool2d(4), "does not divide"),
    ],
)
def test_what_cannot_be_exported_says_why(tmp_path, make, message):
    tm = make().eval()
    ours = likelygrad_twin(tm)
    x = np.zeros((1, 1 if isinstance(tm, T.Conv2d) else 2, 6, 6), np.float32)
    if isinstance(tm, T.Embedding):
        x = np.zeros((1, 3), np.int64)
    with pytest.raises(UnsupportedLayerError, match=message):
        lg.onnx.export(ours, tmp_path / "x.onnx", x)
