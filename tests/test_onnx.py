"""ONNX export: every exportable layer, the heads, a dynamic batch, and real data, each run in
onnxruntime and compared with likelygrad's own outputs (to 1e-5)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import likelygrad as lg  # noqa: E402
from likelygrad import nn  # noqa: E402
from likelygrad.likelihoods import Bernoulli, Categorical  # noqa: E402
from likelygrad.onnx import UnsupportedLayerError, exporter_for  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


def run_onnx(path, x: np.ndarray) -> list[np.ndarray]:
    """Check the file as strictly as onnx can, then run it on x in onnxruntime."""
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})


def reference(model: nn.Module, x: np.ndarray) -> np.ndarray:
    model.eval()
    with lg.no_grad():
        return model(lg.from_numpy(x)).numpy()


# (name, model, input shape): one model per layer, and the layers in combination
LAYERS = [
    ("linear", lambda: nn.Linear(5, 3), (4, 5)),
    ("linear-no-bias", lambda: nn.Linear(5, 3, bias=False), (4, 5)),
    ("linear-3d", lambda: nn.Linear(5, 3), (4, 2, 5)),
    ("linear-3d-no-bias", lambda: nn.Linear(5, 3, bias=False), (4, 2, 5)),
    ("relu", nn.ReLU, (4, 6)),
    ("sigmoid", nn.Sigmoid, (4, 6)),
    ("tanh", nn.Tanh, (4, 6)),
    ("softplus", nn.Softplus, (4, 6)),
    ("identity", nn.Identity, (4, 6)),
    ("dropout", lambda: nn.Dropout(0.5), (4, 6)),
    ("flatten", nn.Flatten, (4, 2, 3, 5)),
    ("flatten-2", lambda: nn.Flatten(2), (4, 2, 3, 5)),
    ("flatten-neg", lambda: nn.Flatten(-2), (4, 2, 3, 5)),
    ("flatten-0", lambda: nn.Flatten(0), (4, 3)),
    ("celu", lambda: nn.CELU(0.7), (4, 6)),
    ("selu", nn.SELU, (4, 6)),
    ("hardtanh", lambda: nn.Hardtanh(-0.5, 2.0), (4, 6)),
    ("relu6", nn.ReLU6, (4, 6)),
    ("logsigmoid", nn.LogSigmoid, (4, 6)),
    ("mish", nn.Mish, (4, 6)),
    ("softmin", lambda: nn.Softmin(dim=1), (4, 6)),
    ("threshold", lambda: nn.Threshold(0.3, -2.0), (4, 6)),
    ("unflatten", lambda: nn.Unflatten(1, (2, 3)), (4, 6)),
    ("hardsigmoid", nn.Hardsigmoid, (4, 6)),
    ("hardswish", nn.Hardswish, (4, 6)),
    ("prelu", nn.PReLU, (4, 6)),
    ("prelu-channels", lambda: nn.PReLU(3), (4, 3, 5)),
    ("zeropad2d", lambda: nn.ZeroPad2d((1, 0, 2, -1)), (4, 2, 3, 5)),
    ("constantpad1d", lambda: nn.ConstantPad1d((2, 1), -1.5), (4, 3, 5)),
    (
        "mlp",
        lambda: nn.Sequential(
            nn.Flatten(),
            nn.Linear(12, 16),
            nn.Tanh(),
            nn.Dropout(0.2),
            nn.Linear(16, 16),
            nn.Softplus(),
            nn.Linear(16, 4),
        ),
        (4, 3, 4),
    ),  # fmt: skip
    (
        "nested",
        lambda: nn.Sequential(nn.Sequential(nn.Linear(3, 3), nn.Sigmoid()), nn.ReLU()),
        (4, 3),
    ),  # fmt: skip
]


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[row[0] for row in LAYERS])
def test_every_layer_matches_onnxruntime(tmp_path, name, make, shape):
    lg.manual_seed(0)
    model = make().train()  # exported as in eval mode, and left in the mode it was in
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    path = lg.onnx.export(model, tmp_path / f"{name}.onnx", x[:1])
    assert model.training
    for batch in (x, x[:1], np.repeat(x, 5, axis=0)):  # the batch axis is dynamic
        (got,) = run_onnx(path, batch)
        np.testing.assert_allclose(got, reference(model, batch), **TOL)


def test_every_layer_class_has_an_exporter():
    """A layer added to likelygrad.nn must come with its exporter (one registry entry)."""
    classes = [c for c in vars(nn).values() if inspect.isclass(c)]
    # containers without a forward of their own, and losses (training only), export nothing
    skip = {nn.ModuleDict, nn.ModuleList, nn.ParameterDict, nn.ParameterList}
    # and modules of two inputs: an exported model takes one
    skip |= {nn.CosineSimilarity, nn.PairwiseDistance}
    losses = {c for c in classes if c.__module__.endswith(".loss")}
    layers = [c for c in classes if issubclass(c, nn.Module) and c is not nn.Module]
    layers = [c for c in layers if c not in skip | losses]
    missing = []
    for cls in layers:
        try:
            exporter_for(cls.__new__(cls))
        except UnsupportedLayerError:
            missing.append(cls.__name__)
    assert not missing, f"no ONNX exporter for {missing}: add one to likelygrad/onnx/"


@pytest.mark.parametrize("head", ["softmax", "sigmoid", "logits"])
def test_probability_heads(tmp_path, head):
    lg.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4))
    x = np.random.default_rng(1).standard_normal((9, 6)).astype(np.float32) * 4
    (got,) = run_onnx(lg.onnx.export(model, tmp_path / "m.onnx", x, head=head), x)
    with lg.no_grad():
        out = model(lg.from_numpy(x))
        want = {"softmax": Categorical(logits=out).probs, "sigmoid": Bernoulli(logits=out).probs,
                "logits": out}[head]  # fmt: skip
    np.testing.assert_allclose(got, want.numpy(), **TOL)
    names = [o.name for o in onnx.load(str(tmp_path / "m.onnx")).graph.output]
    assert names == ["logits" if head == "logits" else "probs"]


def test_gaussian_head_splits_mean_and_std(tmp_path):
    lg.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4))  # 2 means, 2 log stds
    x = np.random.default_rng(2).standard_normal((7, 3)).astype(np.float32)
    mean, std = run_onnx(lg.onnx.export(model, tmp_path / "g.onnx", x, head="gaussian"), x)
    out = reference(model, x)
    np.testing.assert_allclose(mean, out[:, :2], **TOL)
    np.testing.assert_allclose(std, np.exp(out[:, 2:]), **TOL)
    with pytest.raises(ValueError, match="even-sized axis"):
        lg.onnx.export(nn.Linear(3, 3), tmp_path / "odd.onnx", x, head="gaussian")


def test_float64_model(tmp_path):
    lg.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 2)).double()
    x = np.random.default_rng(3).standard_normal((6, 4))
    (got,) = run_onnx(lg.onnx.export(model, tmp_path / "d.onnx", x), x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, reference(model, x), rtol=1e-12, atol=1e-12)


def test_a_layer_without_exporter_is_named(tmp_path):
    class Swish(nn.Module):
        def forward(self, x):
            return x * x.sigmoid()

    model = nn.Sequential(nn.Linear(2, 2), Swish())
    with pytest.raises(UnsupportedLayerError, match=r"Swish \(at '1'\).*register\(Swish\)"):
        lg.onnx.export(model, tmp_path / "s.onnx", np.zeros((1, 2), np.float32))
    assert not (tmp_path / "s.onnx").exists()

    @lg.onnx.register(Swish)
    def swish(g, m, x, example):  # one entry makes it exportable
        return g.node("Mul", [x, g.node("Sigmoid", [x])])

    try:
        x = np.linspace(-5, 5, 8, dtype=np.float32).reshape(4, 2)
        (got,) = run_onnx(lg.onnx.export(model, tmp_path / "s.onnx", x), x)
        np.testing.assert_allclose(got, reference(model, x), **TOL)
    finally:
        lg.onnx.registry.EXPORTERS.pop(Swish)


def test_file_metadata(tmp_path):
    path = lg.onnx.export(nn.Linear(2, 2), tmp_path / "m.onnx", np.zeros((1, 2), np.float32))
    m = onnx.load(str(path))
    assert [(o.domain, o.version) for o in m.opset_import] == [("", lg.onnx.OPSET)] == [("", 17)]
    assert m.producer_name == "likelygrad"
    dims = m.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 2
    assert sorted(i.name for i in m.graph.initializer) == ["bias", "weight"]


@pytest.mark.filterwarnings("ignore:.*maximum iterations")
def test_real_digits_through_a_trained_estimator(tmp_path):
    """A network fitted on the digits data, exported, run on the held-out real images."""
    sklearn = pytest.importorskip("sklearn.datasets")
    from likelygrad.sklearn import LikelihoodClassifier

    X, y = sklearn.load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    clf = LikelihoodClassifier((64, 32), max_iter=30, random_state=0).fit(X[:1400], y[:1400])
    path = lg.onnx.export(clf.model_, tmp_path / "digits.onnx", X[:1], head="softmax")
    (probs,) = run_onnx(path, X[1400:])
    np.testing.assert_allclose(probs, clf.predict_proba(X[1400:]), **TOL)
    assert (clf.classes_[probs.argmax(axis=1)] == clf.predict(X[1400:])).all()
