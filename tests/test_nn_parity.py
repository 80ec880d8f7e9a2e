"""PyTorch parity of nn's Module API and containers: each row is ONE program, run once with
torch and once with likelygrad standing in for it; the results must agree.

A program receives `lib` (lib.torch, lib.nn, lib.F) and returns plain data: values, shapes,
names, printed forms, and `raises(...)` records of the errors it provokes. Tensors are compared
as arrays (dtype included); an error must be of torch's type (or a subclass) and contain
torch's message. The harness is shared with tests/test_nn_parity_*.py.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections import OrderedDict
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import likelygrad


def lib_of(torch: Any) -> SimpleNamespace:
    return SimpleNamespace(
        torch=torch, nn=torch.nn, F=torch.nn.functional, is_torch=torch is not likelygrad
    )


LG = lib_of(likelygrad)


def raises(fn: Any) -> tuple:
    """The error fn() raises, as ('raises', type, message); ('returned', value) if none."""
    try:
        value = fn()
    except Exception as e:  # noqa: BLE001 (recording any error is the point)
        return ("raises", type(e), str(e).splitlines()[0] if str(e) else "")
    return ("returned", plain(value))


def head(record: tuple, n: int) -> tuple:
    """An error record with only the first n characters of its message (the rest names types
    by their module paths, which differ between the libraries)."""
    return record[:2] + (record[2][:n],) if record[0] == "raises" else record


def warned(fn: Any) -> tuple:
    """(fn's result, the messages of the warnings it issued)."""
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        value = fn()
    return plain(value), [str(w.message) for w in ws]


def seeded(lib: Any, module: Any, seed: int = 0) -> Any:
    """Give every parameter the same values in both libraries (in named_parameters order)."""
    rng = np.random.default_rng(seed)
    with lib.torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(lib.torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)), dtype=p.dtype))
    return module


def tensor(lib: Any, a: Any, **kw: Any) -> Any:
    return lib.torch.tensor(np.asarray(a), **kw)


_DTYPE = re.compile(r"torch\.(float\d*|int\d*|uint\d*|bool|complex\d*|double|long|Size)\b")


def plain(x: Any) -> Any:
    """x as plain comparable data: tensors become (dtype name, array)."""
    if hasattr(x, "detach") and hasattr(x, "shape") and not isinstance(x, np.ndarray):
        a = x.detach()
        a = a.numpy(force=True) if hasattr(a, "array") else a.cpu().numpy()
        return ("tensor", str(a.dtype), np.asarray(a))
    if isinstance(x, str):
        return _DTYPE.sub(lambda m: "lg." + m.group(1), x)
    if type(x).__name__ == "Size":
        return tuple(x)
    if isinstance(x, dict):
        return [(plain(k), plain(v)) for k, v in x.items()]
    if isinstance(x, list | tuple):
        return type(x)(plain(v) for v in x) if type(x) in (list, tuple) else tuple(map(plain, x))
    if type(x).__module__.startswith("torch") and "dtype" in type(x).__name__:
        return str(x).replace("torch.", "")
    if isinstance(x, np.dtype) or (isinstance(x, type) and issubclass(x, np.generic)):
        return np.dtype(x).name
    return x


def same(ours: Any, theirs: Any, path: str = "result") -> None:
    """Assert ours matches theirs (torch's), recursively, with a path in the message."""
    if isinstance(theirs, tuple) and theirs[:1] == ("raises",):
        assert isinstance(ours, tuple) and ours[:1] == ("raises",), (
            f"{path}: torch raised {theirs[1].__name__}: {theirs[2]}, we returned {ours}"
        )
        assert issubclass(ours[1], theirs[1]), (
            f"{path}: torch raised {theirs[1].__name__}, we {ours[1].__name__}: {ours[2]}"
        )
        assert theirs[2] in ours[2], (
            f"{path}: torch's message {theirs[2]!r} not in ours {ours[2]!r}"
        )
        return
    if isinstance(theirs, tuple) and theirs[:1] == ("tensor",):
        assert isinstance(ours, tuple) and ours[:1] == ("tensor",), (
            f"{path}: {ours!r} is not a tensor"
        )
        assert ours[1] == theirs[1], f"{path}: dtype {ours[1]} vs torch's {theirs[1]}"
        tol = 1e-12 if theirs[1] == "float64" else 2e-6
        np.testing.assert_allclose(ours[2], theirs[2], rtol=tol, atol=tol, err_msg=path)
        return
    if isinstance(theirs, list | tuple):
        assert isinstance(ours, list | tuple) and len(ours) == len(theirs), (
            f"{path}: {ours!r} vs torch's {theirs!r}"
        )
        for i, (a, b) in enumerate(zip(ours, theirs)):
            same(a, b, f"{path}[{i}]")
        return
    if isinstance(theirs, float) and isinstance(ours, float):
        assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-9, nan_ok=True), path
        return
    assert ours == theirs, f"{path}: {ours!r} vs torch's {theirs!r}"


def check(program: Any) -> None:
    """Run `program` with likelygrad, and with torch where installed; compare."""
    ours = plain(program(LG))
    torch = pytest.importorskip("torch")
    same(ours, plain(program(lib_of(torch))))


# ---- the programs -------------------------------------------------------------------------------
def model(lib: Any) -> Any:
    nn = lib.nn
    body = nn.Sequential(
        OrderedDict(
            [
                ("fc", nn.Linear(4, 3)),
                ("act", nn.LeakyReLU(0.2, inplace=True)),
                ("drop", nn.Dropout(0.25)),
                ("blocks", nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3), nn.GELU("tanh")])),
            ]
        )
    )
    heads = nn.ModuleDict(
        {"cls": nn.Linear(3, 2, bias=False), "reg": nn.Sequential(nn.ELU(0.5), nn.Identity(7))}
    )
    root = nn.Sequential(body, nn.Flatten(0, -1), nn.Unflatten(0, (1, -1)))
    root.add_module("heads", heads)
    return seeded(lib, root)


def p_repr(lib):
    nn = lib.nn
    layers = [
        nn.ReLU(), nn.ReLU(True), nn.ReLU6(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(),
        nn.Softmax(1), nn.LogSoftmax(dim=-1), nn.GELU(), nn.LeakyReLU(), nn.ELU(),
        nn.ELU(0.5, True), nn.SiLU(True), nn.Mish(), nn.Softplus(), nn.Softplus(2, 10),
        nn.Hardtanh(-2.0, 3.0), nn.LogSigmoid(), nn.SELU(), nn.CELU(), nn.Threshold(0.1, 20.0),
        nn.Dropout(), nn.Flatten(), nn.Identity(), nn.Unflatten(1, (2, 5)),
        nn.Linear(3, 2, bias=False), nn.CrossEntropyLoss(), nn.MSELoss(), nn.BCEWithLogitsLoss(),
        nn.NLLLoss(), nn.GaussianNLLLoss(), nn.KLDivLoss(), nn.HuberLoss(),
    ]  # fmt: skip
    pl = nn.ParameterList(
        [nn.Parameter(lib.torch.zeros(3, 4)), lib.torch.zeros(2, dtype=lib.torch.float64), 5]
    )
    pd = nn.ParameterDict({"b": nn.Parameter(lib.torch.zeros(3)), "a": lib.torch.zeros(2)})
    reps = nn.ModuleList(
        [
            nn.Linear(2, 2),
            nn.Linear(2, 2),
            nn.ReLU(),
            nn.Sequential(nn.Tanh()),
            nn.Sequential(nn.Tanh()),
        ]
    )
    return [repr(m) for m in layers] + [
        repr(model(lib)),
        repr(pl),
        repr(pd),
        repr(reps),
        repr(nn.ModuleList()),
        repr(nn.Sequential()),
    ]


def p_names(lib):
    nn = lib.nn
    shared = nn.Linear(2, 2)
    m = nn.Sequential(shared, nn.ReLU(), shared, nn.Sequential(shared))
    m.register_buffer("steps", lib.torch.zeros(1))
    m.register_buffer("scratch", lib.torch.zeros(1), persistent=False)
    return [
        [n for n, _ in m.named_modules()],
        [n for n, _ in m.named_modules(remove_duplicate=False)],
        [n for n, _ in m.named_modules(prefix="net")],
        [n for n, _ in m.named_parameters()],
        [n for n, _ in m.named_parameters(remove_duplicate=False)],
        [n for n, _ in m.named_parameters(prefix="x", recurse=False)],
        [n for n, _ in m.named_buffers()],
        [n for n, _ in m.named_children()],
        list(m.state_dict()),
        list(model(lib).state_dict()),
        len(list(m.modules())), len(list(m.children())), len(list(m.parameters())),
    ]  # fmt: skip


def p_lookup(lib):
    m = model(lib)
    m.heads.register_buffer("count", lib.torch.ones(2))
    return [
        type(m.get_submodule("0.blocks.1")).__name__,
        m.get_submodule("") is m,
        m.get_parameter("0.fc.weight").shape,
        m.get_buffer("heads.count"),
        raises(lambda: m.get_submodule("0.nope")),
        raises(lambda: m.get_submodule("0.fc.weight")),
        raises(lambda: m.get_parameter("0.fc.nope")),
        raises(lambda: m.get_parameter("heads.count")),
        raises(lambda: m.get_buffer("0.fc.weight")),
    ]


def p_modes(lib):
    class Frozen(lib.nn.Module):  # overrides train: the override must be reached
        def __init__(self):
            super().__init__()
            self.inner = lib.nn.Dropout()

        def train(self, mode=True):
            super().train(mode)
            self.inner.training = False
            return self

    m = lib.nn.Sequential(model(lib), Frozen())
    out = [m.eval() is m, [x.training for x in m.modules()]]
    out += [m.train() is m, [x.training for x in m.modules()], raises(lambda: m.train("yes"))]
    order = []
    m.apply(lambda mod: order.append(type(mod).__name__))
    return out + [order, m.requires_grad_(False) is m, [p.requires_grad for p in m.parameters()]]


def p_grads(lib):
    m = model(lib)
    x = tensor(lib, np.linspace(-1, 1, 4), dtype=lib.torch.float32)
    m[0].fc(x).sum().backward()
    g = m.get_parameter("0.fc.weight").grad.clone()
    m.zero_grad(set_to_none=False)
    zeros = [p.grad for p in m.parameters() if p.grad is not None]
    m.zero_grad()
    return [g, zeros, [p.grad is None for p in m.parameters()]]


def p_assign(lib):
    nn, torch = lib.nn, lib.torch
    m = nn.Linear(2, 2)
    m.register_buffer("b", torch.zeros(2))
    m.child = nn.ReLU()
    out = [
        raises(lambda: setattr(m, "weight", torch.zeros(2, 2))),
        raises(lambda: setattr(m, "child", 3)),
        raises(lambda: setattr(m, "b", 3)),
        raises(lambda: m.register_parameter("a.b", None)),
        raises(lambda: m.register_parameter("forward", None)),
        raises(lambda: m.register_parameter("w2", nn.Parameter(torch.ones(2)) * 2)),
        raises(lambda: m.register_buffer("weight", torch.zeros(1))),
        raises(lambda: m.add_module("", nn.ReLU())),
        raises(lambda: m.add_module("x", 3)),
    ]
    m.bias = None  # a registered parameter may become None
    m.child = None
    m.b = torch.ones(2)
    m.weight = nn.Parameter(torch.ones(1, 2))
    return out + [list(m.state_dict()), [n for n, _ in m.named_parameters()], m.b]


def p_convert(lib):
    torch, nn = lib.torch, lib.nn
    m = nn.Linear(2, 3)
    m.register_buffer("count", torch.zeros(2, dtype=torch.int64))
    out = [m.double() is m, m.weight.dtype, m.count.dtype, m.float().weight.dtype]
    out += [
        m.to(torch.float64).bias.dtype,
        m.half().weight.dtype,
        m.to(dtype=torch.float32).weight.dtype,
    ]
    out += [m.to("cpu") is m, m.cpu().weight.dtype, raises(lambda: m.to(torch.int64))]
    out += [
        m.type(torch.float64).count.dtype,
        m.to(torch.zeros(1, dtype=torch.float32)).weight.dtype,
    ]
    return out


def p_hooks(lib):
    torch, nn = lib.torch, lib.nn
    m = seeded(lib, nn.Linear(3, 2))
    log = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: out + 1)
    m.register_forward_hook(lambda mod, args, out: log.append(("first", out.shape)), prepend=True)
    x = torch.ones(1, 3)
    a = m(x)
    h1.remove()
    b = m(x)
    h2.remove()
    c = m(x)
    m.register_forward_pre_hook(
        lambda mod, args, kwargs: ((args[0] * 0,), kwargs), with_kwargs=True
    )
    d = m(x)
    return [a, b, c, d, log]


def p_deepcopy(lib):
    nn = lib.nn
    m = model(lib)
    m.tied = nn.Linear(4, 3)
    m.tied.weight = m[0].fc.weight
    twin = copy.deepcopy(m)
    with lib.torch.no_grad():
        m[0].fc.weight.fill_(7.0)
    return [
        twin[0].fc.weight,
        twin.tied.weight is twin[0].fc.weight,
        twin[0].fc.weight is not m[0].fc.weight,
        list(twin.state_dict()) == list(m.state_dict()),
        repr(twin) == repr(m),
    ]


PROGRAMS = [p_repr, p_names, p_lookup, p_modes, p_grads, p_assign, p_convert, p_hooks, p_deepcopy]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__[2:])
def test_matches_torch(program):
    check(program)
