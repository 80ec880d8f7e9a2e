"""PyTorch parity of nn's containers and shape layers: one program per row, run with torch and
with likelygrad (the harness is in test_nn_parity.py)."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from test_nn_parity import check, head, raises


def p_sequential(lib):
    nn = lib.nn
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    out = [
        type(s[0]).__name__,
        type(s[-1]).__name__,
        type(s[1:]).__name__,
        list(s[1:].state_dict()),
    ]
    out += [raises(lambda: s[3]), len(s), [type(m).__name__ for m in s]]
    s[1] = nn.Tanh()
    s.append(nn.Sigmoid()).insert(1, nn.Identity())
    s.insert(-1, nn.ReLU())
    out += [repr(s)]
    del s[0]
    out += [list(s.state_dict()), [type(m).__name__ for m in s]]
    del s[1:3]
    out += [list(s.state_dict()), type(s.pop(0)).__name__, repr(s)]
    s.extend([nn.ReLU()])
    t = s + nn.Sequential(nn.Tanh())
    out += [repr(t), head(raises(lambda: s + nn.ReLU()), 60), repr(s * 2)]
    out += [head(raises(lambda: s * 0), 32)]
    s += nn.Sequential(nn.Linear(1, 1))
    named = nn.Sequential(OrderedDict(a=nn.ReLU(), b=nn.Linear(1, 2)))
    out += [
        repr(s),
        list(named.state_dict()),
        list(named[1:].state_dict()),
        type(named[0]).__name__,
    ]
    return out


def p_module_list(lib):
    nn = lib.nn
    ml = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
    ml.append(nn.Tanh()).extend([nn.Linear(1, 2)])
    ml.insert(1, nn.Sigmoid())
    ml += [nn.ReLU()]
    out = [repr(ml), list(ml.state_dict()), type(ml[-1]).__name__, type(ml[1:3]).__name__]
    out += [len(ml[1:3]), raises(lambda: ml[9]), raises(lambda: ml.extend(nn.ReLU()))]
    del ml[0]
    out += [list(ml.state_dict()), type(ml.pop(1)).__name__, len(ml), repr(ml + ml)]
    ml[0] = nn.Linear(3, 3)
    out += [list(ml.state_dict()), raises(lambda: ml(1))]
    return out


def p_module_dict(lib):
    nn = lib.nn
    md = nn.ModuleDict([("b", nn.ReLU()), ("a", nn.Linear(1, 1))])
    md.update({"z": nn.Tanh(), "c": nn.Linear(1, 2)})
    md["a"] = nn.Linear(2, 2)
    out = [list(md.keys()), list(md), [type(v).__name__ for v in md.values()], "z" in md, len(md)]
    out += [
        list(md.state_dict()),
        raises(lambda: md.update(3)),
        raises(lambda: md.update([("a",)])),
    ]
    del md["b"]
    out += [type(md.pop("z")).__name__, list(md.items())[0][0], repr(md)]
    md.clear()
    return out + [len(md), list(md.state_dict())]


def p_parameter_containers(lib):
    nn, torch = lib.nn, lib.torch
    pl = nn.ParameterList([torch.ones(2), nn.Parameter(torch.zeros(3))])
    pl.append(torch.full((1,), 2.0)).extend([torch.ones(1)])
    out = [len(pl), [type(p).__name__ for p in pl], list(pl.state_dict()), len(pl[1:])]
    out += [pl[-1], [p.requires_grad for p in pl], raises(lambda: pl.extend(torch.ones(2)))]
    pd = nn.ParameterDict({"w": torch.ones(2), "b": nn.Parameter(torch.zeros(1))})
    pd.update([("z", torch.ones(1)), ("a", torch.ones(1))])
    pd["k"] = torch.zeros(3)
    out += [list(pd.keys()), list(pd.state_dict()), type(pd["w"]).__name__, "k" in pd, len(pd)]
    out += [pd.get("nope", 5), pd.setdefault("new", None), list(pd.keys())[-1]]
    out += [pd.popitem()[0], type(pd.pop("w")).__name__, list(pd), raises(lambda: pd[1])]
    out += [list(pd.copy().keys()), list(pd.fromkeys(["x", "y"]).keys()), list(reversed(pd))]
    pd.clear()
    return out + [len(pd)]


def p_shape_layers(lib):
    nn, torch = lib.nn, lib.torch
    x = torch.zeros(2, 3, 4, 5)
    return [
        nn.Flatten()(x).shape, nn.Flatten(0, 2)(x).shape, nn.Flatten(-2)(x).shape,
        nn.Unflatten(1, (3, 1))(x).shape, nn.Unflatten(-1, [5, -1])(x).shape,
        nn.Identity(1, 2, key=3)(x) is x,
        raises(lambda: nn.Unflatten(1, 3)), raises(lambda: nn.Unflatten(1, (3.0, 1))),
    ]  # fmt: skip


PROGRAMS = [p_sequential, p_module_list, p_module_dict, p_parameter_containers, p_shape_layers]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__[2:])
def test_matches_torch(program):
    check(program)
