"""lg.save / lg.load: exact round trips, PyTorch interop through safetensors, and refusal of
every damaged or foreign file with one error type naming the file."""

from __future__ import annotations

import io
import math
import sys
from collections import OrderedDict

import numpy as np
import pytest
from params import P, set_grad

import likelygrad as lg
from likelygrad.optim import SGD, Adam, NAdam, RMSprop, lr_scheduler
from likelygrad.serialization import SerializationError

pytest.importorskip("safetensors")


def round_trip(obj, **load_kwargs):
    buffer = io.BytesIO()
    lg.save(obj, buffer)
    buffer.seek(0)
    return lg.load(buffer, **load_kwargs)


def same(a, b) -> bool:
    """Equal values, types and dtypes, recursively (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, lg.Tensor):
        flags = a.dtype == b.dtype and a.requires_grad == b.requires_grad
        return flags and same(a.detach().numpy(), b.detach().numpy())
    if isinstance(a, np.ndarray):
        nan = a.dtype.kind in "fc"
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=nan)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def test_nested_objects_round_trip_exactly():
    arrays = {d: np.arange(6).reshape(2, 3).astype(d) for d in
              ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
               "float16", "float32", "float64", "complex64"]}  # fmt: skip
    obj = {
        "arrays": arrays,
        "tensors": [lg.tensor(3.5), lg.tensor([[1, 2], [3, 4]]).T, lg.zeros(0, 4)],
        "numbers": (0, -(2**70), 1.5, -0.0, math.inf, -math.inf, math.nan, True, False, None),
        "text": ["", "α/β.γ", "a" * 300],
        "keys": {0: "int", 2.5: "float", True: "bool", None: "none", "s": {}},
        "ordered": OrderedDict([("z", 1), ("a", 2)]),
        "misc": [lg.Size([2, 3]), np.dtype("float16"), np.float32(2.5), np.int64(-3), [], ()],
    }
    back = round_trip(obj)
    assert same(back, obj) and type(back["ordered"]) is OrderedDict
    assert type(back["misc"][0]) is lg.Size and back["tensors"][1].tolist() == [[1, 3], [2, 4]]


def test_tensor_flags_and_sharing_are_kept():
    w = lg.nn.Parameter(lg.randn(3, 2))
    x = lg.randn(2, requires_grad=True)
    back = round_trip({"w": w, "x": x, "again": [x], "plain": lg.ones(2)})
    assert isinstance(back["w"], lg.nn.Parameter) and back["w"].requires_grad
    assert back["x"].requires_grad and back["x"].is_leaf and back["again"][0] is back["x"]
    assert not back["plain"].requires_grad and not isinstance(back["plain"], lg.nn.Parameter)
    back["plain"].add_(1.0)  # loaded tensors own writable memory
    assert back["plain"].tolist() == [2.0, 2.0]


def test_state_dict_is_a_plain_safetensors_file_pytorch_reads(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    model = lg.nn.Sequential(lg.nn.Linear(4, 3), lg.nn.ReLU(), lg.nn.Linear(3, 2))
    sd = model.state_dict()
    lg.save(sd, tmp_path / "model.pt")  # any name: the content is safetensors
    theirs = load_file(tmp_path / "model.pt")
    assert sorted(theirs) == sorted(sd)
    for k, v in sd.items():
        assert np.array_equal(theirs[k].numpy(), v.numpy()) and theirs[k].dtype == torch.float32
    nn = torch.nn
    torch_model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    torch_model.load_state_dict(theirs)
    save_file(torch_model.state_dict(), tmp_path / "from_torch.safetensors")
    back = lg.load(tmp_path / "from_torch.safetensors")  # no likelygrad metadata: a dict
    assert set(back) == set(sd) and all(same(back[k], sd[k]) for k in sd)
    fresh = lg.nn.Sequential(lg.nn.Linear(4, 3), lg.nn.ReLU(), lg.nn.Linear(3, 2))
    fresh.load_state_dict(back)
    x = lg.randn(5, 4)
    assert np.array_equal(fresh(x).numpy(), model(x).numpy())


@pytest.mark.parametrize("cls,kwargs", [
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}), (Adam, {"lr": 0.05, "amsgrad": True}),
    (NAdam, {"lr": 0.05}), (RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
])  # fmt: skip
def test_training_resumes_exactly_through_a_file(cls, kwargs, tmp_path):
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(4, 3))
    grads = [rng.normal(size=(4, 3)) for _ in range(10)]

    def run(p, opt, steps):
        for g in steps:
            set_grad(p, g * np.cos(p.array))  # depends on the parameter: history matters
            opt.step()

    straight = P(w0.copy())
    run(straight, cls([straight], **kwargs), grads)
    first = P(w0.copy())
    opt = cls([first], **kwargs)
    scheduler = lr_scheduler.MultiStepLR(opt, milestones=[2, 7])
    run(first, opt, grads[:5])
    lg.save({"param": first, "optimizer": opt.state_dict(), "epoch": 5}, tmp_path / "ck.pt")
    back = lg.load(tmp_path / "ck.pt")
    resumed = lg.nn.Parameter(back["param"].detach())
    opt2 = cls([resumed], lr=9.0)
    opt2.load_state_dict(back["optimizer"])
    run(resumed, opt2, grads[5:])
    assert back["epoch"] == 5 and np.array_equal(resumed.numpy(), straight.numpy())
    state = round_trip(scheduler.state_dict())
    again = lr_scheduler.MultiStepLR(opt2, milestones=[1])
    again.load_state_dict(state)
    assert again.milestones == scheduler.milestones and again.last_epoch == 0


def test_map_location():
    obj = {"w": lg.ones(2)}
    seen = []

    def where(t, location):
        seen.append(location)
        return t * 2

    assert round_trip(obj, map_location=where)["w"].tolist() == [2.0, 2.0] and seen == ["cpu"]
    assert round_trip(obj, map_location="cpu")["w"].device == lg.device("cpu")
    moved = round_trip(obj, map_location={"cuda:0": "cpu"}, weights_only=False)
    assert moved["w"].tolist() == [1.0, 1.0]


def test_unsupported_objects_name_the_path_and_the_fix(tmp_path):
    with pytest.raises(TypeError, match=r"Linear at model.*save its state_dict\(\) instead"):
        lg.save({"model": lg.nn.Linear(2, 2)}, io.BytesIO())
    with pytest.raises(TypeError, match="set at stuff.1"):
        lg.save({"stuff": [1, {2}]}, io.BytesIO())
    with pytest.raises(TypeError, match=r"dict key \(1, 2\)"):
        lg.save({(1, 2): 3}, io.BytesIO())
    with pytest.raises(TypeError, match="never pickles"):
        lg.save({}, io.BytesIO(), pickle_module=object())
    (tmp_path / "keep.pt").write_bytes(b"old")
    with pytest.raises(TypeError):
        lg.save({"f": print}, tmp_path / "keep.pt")
    assert (tmp_path / "keep.pt").read_bytes() == b"old"  # nothing written, nothing left over
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pt"]
    with pytest.raises(TypeError, match="binary mode"):
        lg.load(io.StringIO("text"))


def test_pytorch_and_numpy_files_are_refused_with_the_conversion(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    expected = r"model\.pt: cannot load a PyTorch checkpoint.*never unpickles.*torch\.save_file"
    with pytest.raises(SerializationError, match=expected):
        lg.load(path)
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(SerializationError, match="a pickle"):
        lg.load(path)
    np.save(tmp_path / "a.npy", np.ones(2))
    with pytest.raises(SerializationError, match=r"a\.npy: cannot load a NumPy \.npy file"):
        lg.load(tmp_path / "a.npy")
    np.savez(tmp_path / "b.npz", x=np.ones(2))
    with pytest.raises(SerializationError, match="np.load"):
        lg.load(tmp_path / "b.npz")
    from safetensors.torch import save_file

    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.safetensors")
    with pytest.raises(SerializationError, match=r"bf16\.safetensors: tensor 'w' has dtype 'BF16'"):
        lg.load(tmp_path / "bf16.safetensors")


def corrupt_metadata(text: str) -> bytes:
    """A valid safetensors file whose likelygrad metadata is `text`."""
    from safetensors.numpy import save

    return save({"t": np.ones(2)}, metadata={"likelygrad": text})


def tree(obj: str, version: int = 1) -> bytes:
    return corrupt_metadata(
        f'{{"format": "likelygrad.save", "version": {version}, "object": {obj}}}'
    )


DAMAGED = [
    (b"", "header length"),
    (b"\x10\x00\x00\x00\x00\x00\x00\x00{}", "header length"),
    (b"\x02\x00\x00\x00\x00\x00\x00\x00[]", "not a JSON object"),
    (b"\x02\x00\x00\x00\x00\x00\x00\x00{x", "corrupt safetensors header"),
    (corrupt_metadata("{"), "corrupt likelygrad metadata"),
    (corrupt_metadata('{"format": "other", "object": 1}'), "no format tag"),
    (tree("1", version=9), "upgrade likelygrad"),
    (tree('{"tensor": "u"}'), "does not hold"),
    (tree('{"dict": [[1]]}'), "pairs"),
    (tree('{"what": 1}'), "unexpected"),
    (tree('{"list": [' * 5000 + "]}" * 5000), "corrupt likelygrad metadata"),  # too deep
]


@pytest.mark.parametrize("data,message", DAMAGED)
def test_damaged_files_raise_one_error_naming_the_file(data, message, tmp_path):
    path = tmp_path / "damaged.pt"
    path.write_bytes(data)
    with pytest.raises(SerializationError, match=r"damaged\.pt: .*" + message):
        lg.load(path)


def test_random_damage_only_ever_raises_serialization_error():
    buffer = io.BytesIO()
    lg.save({"model": lg.nn.Linear(3, 2).state_dict(), "step": 4, "lr": [0.1, 0.01]}, buffer)
    good = buffer.getvalue()
    rng = np.random.default_rng(0)
    outcomes = set()
    for i in range(400):
        data = bytearray(good)
        if i % 3 == 0:
            data = data[: rng.integers(0, len(data))]
        else:
            for _ in range(rng.integers(1, 4)):
                data[rng.integers(0, len(data))] = rng.integers(0, 256)
        try:
            lg.load(io.BytesIO(bytes(data)))
            outcomes.add("loaded")
        except SerializationError as e:
            assert "<file object>" in str(e) or "BytesIO" in str(e)
            outcomes.add("refused")
    assert outcomes == {"loaded", "refused"}


def test_missing_safetensors_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"likelygrad\[checkpoint\]"):
        lg.save({"w": lg.ones(1)}, io.BytesIO())
