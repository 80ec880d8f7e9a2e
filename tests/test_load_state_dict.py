"""All-or-nothing state: Module.load_state_dict and Optimizer.load_state_dict check every entry
before changing anything, name every bad entry in one ValueError, and convert what torch
converts. Property tests replace entries of real state dicts with values of every kind."""

from __future__ import annotations

import copy
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from params import P, set_grad

import likelygrad as lg
from likelygrad import nn
from likelygrad.optim import LBFGS, SGD, Adam, AdamW, flatten_state, unflatten_state

PROPERTY = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ---- Module.load_state_dict ---------------------------------------------------------------------
def small_model() -> nn.Module:
    """Linear layers of float32 and float64, so casts go both ways."""
    lg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2, dtype=np.float64))


def snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: np.asarray(p).copy() for k, p in model.named_parameters()}


# values that load (cast to the parameter's dtype, as torch's copy_) and values that must not
GOOD = {
    "float64": lambda shape, rng: rng.normal(size=shape),
    "float32": lambda shape, rng: rng.normal(size=shape).astype(np.float32),
    "float16": lambda shape, rng: rng.normal(size=shape).astype(np.float16),
    "big-endian": lambda shape, rng: rng.normal(size=shape).astype(">f8"),
    "int64": lambda shape, rng: rng.integers(-5, 5, shape),
    "uint8": lambda shape, rng: rng.integers(0, 255, shape).astype(np.uint8),
    "bool": lambda shape, rng: rng.integers(0, 2, shape).astype(bool),
    "nested list": lambda shape, rng: rng.normal(size=shape).tolist(),
    "tensor": lambda shape, rng: lg.tensor(rng.normal(size=shape)),
}
BAD = {
    "wrong shape": lambda shape, rng: np.zeros((*shape, 1)),
    "transposed": lambda shape, rng: np.zeros(shape[::-1] if len(shape) == 2 else (*shape, 2)),
    "complex": lambda shape, rng: np.ones(shape, complex),
    "string": lambda shape, rng: np.full(shape, "a"),
    "object": lambda shape, rng: np.full(shape, None, dtype=object),
    "record": lambda shape, rng: np.zeros(shape, "f4,f4"),
    "datetime": lambda shape, rng: np.zeros(shape, "M8[s]"),
    "ragged list": lambda shape, rng: [[1.0], [1.0, 2.0]],
    "none": lambda shape, rng: None,
    "dict": lambda shape, rng: {"a": 1},
}


@PROPERTY
@given(
    kinds=st.lists(st.sampled_from(["omit", *GOOD, *BAD]), min_size=4, max_size=4),
    extra=st.booleans(),
    strict=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_module_load_is_all_or_nothing_and_names_every_bad_key(kinds, extra, strict, seed):
    model, rng = small_model(), np.random.default_rng(seed)
    shapes = {k: p.shape for k, p in model.named_parameters()}
    chosen = dict(zip(shapes, kinds))
    state = {
        k: {**GOOD, **BAD}[kind](shapes[k], rng) for k, kind in chosen.items() if kind != "omit"
    }
    if extra:
        state["9.weight"] = np.zeros(2)
    missing = [k for k, kind in chosen.items() if kind == "omit"]
    unexpected = ["9.weight"] if extra else []
    bad = [k for k, kind in chosen.items() if kind in BAD]
    before = snapshot(model)
    if bad or (strict and (missing or unexpected)):
        with pytest.raises(ValueError) as info:
            model.load_state_dict(state, strict=strict)
        assert all(f"{k}:" in str(info.value) for k in bad), str(info.value)
        assert "Nothing was loaded" in str(info.value)
        after = snapshot(model)
        assert all(np.array_equal(before[k], after[k]) for k in before)  # nothing written
        return
    assert model.load_state_dict(state, strict=strict) == (missing, unexpected)
    for k, p in model.named_parameters():
        expected = np.asarray(state[k]).astype(before[k].dtype) if k in state else before[k]
        assert np.asarray(p).dtype == before[k].dtype
        np.testing.assert_array_equal(np.asarray(p), expected, err_msg=k)


def test_a_bad_last_layer_leaves_the_first_untouched():
    """The issue's case: a complex value used to fail in np.copyto after layer 0 was written."""
    model, other = small_model(), small_model()
    for p in other.parameters():
        np.asarray(p)[...] = 7
    state = other.state_dict()
    state["2.bias"] = state["2.bias"].astype(complex)
    state["2.weight"] = np.array([["x"] * 4] * 2)
    before = snapshot(model)
    message = (
        "load_state_dict for Sequential: values that are not real numbers for "
        "2.weight: <U1 (need float, integer or bool numbers); "
        "2.bias: complex128 (need float, integer or bool numbers). Nothing was loaded."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        model.load_state_dict(state)
    assert all(np.array_equal(before[k], v) for k, v in snapshot(model).items())


def test_state_dict_must_be_a_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like, got list"):
        small_model().load_state_dict([("0.weight", np.zeros((4, 3)))])


def test_casts_like_torch_copy():
    """float64 rounds to the float32 parameter, ints and bools become floats (torch's copy_)."""
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    rng = np.random.default_rng(0)
    for weight in (rng.normal(size=(2, 3)), rng.integers(-9, 9, (2, 3)), rng.random((2, 3)) > 0.5):
        bias = np.array([1e-9 + 1, 2**24 + 1])  # neither is a float32
        ours.load_state_dict({"weight": weight, "bias": bias})
        theirs.load_state_dict({"weight": torch.from_numpy(weight), "bias": torch.from_numpy(bias)})
        np.testing.assert_array_equal(np.asarray(ours.weight), theirs.weight.detach().numpy())
        np.testing.assert_array_equal(np.asarray(ours.bias), theirs.bias.detach().numpy())


# ---- Optimizer.load_state_dict ------------------------------------------------------------------


RNG = np.random.default_rng(0)
TARGET = RNG.normal(size=(3, 2)), RNG.normal(size=4)


def params() -> list:
    return [P(np.zeros((3, 2), np.float32)), P(np.zeros(4, np.float64))]


def loss(ps: list) -> float:
    """Σ (θ - target)² + Σ sin θ: smooth, with a gradient each step changes."""
    total = 0.0
    for p, t in zip(ps, TARGET):
        x = p.array.astype(np.float64)
        total += float(np.sum((x - t) ** 2 + np.sin(x)))
        set_grad(p, (2 * (x - t) + np.cos(x)).astype(p.array.dtype))
    return total


OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda ps: Adam(ps, lr=0.05, amsgrad=True),
    "adamw": lambda ps: AdamW(ps, lr=0.05),
    "lbfgs": lambda ps: LBFGS(ps, max_iter=3, history_size=2, line_search_fn="strong_wolfe"),
}


def step(opt, ps: list[P]) -> None:
    opt.step(lambda: loss(ps))


def trained(name: str):
    ps = params()
    opt = OPTIMIZERS[name](ps)
    for _ in range(3):
        step(opt, ps)
    return opt, ps


def paths(node, prefix=()):
    """Every path into a nested state dict: containers and leaves alike."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, (dict, list, tuple)):
            yield from paths(value, (*prefix, key))


DELETE = object()


def replaced(node, path, value):
    """A copy of `node` with the entry at `path` replaced (or removed for DELETE)."""
    head, rest = path[0], path[1:]
    items = dict(node) if isinstance(node, dict) else list(node)
    if rest:
        items[head] = replaced(node[head], rest, value)
    elif value is DELETE:
        del items[head]
    else:
        items[head] = value
    return items if isinstance(node, (dict, list)) else tuple(items)


def replacements(leaf):
    """What a damaged or foreign state dict may hold where `leaf` was."""
    out = [DELETE, None, "text", True, -1, 2.5, 1e30, float("nan"), 1 + 2j, [], {}, (0.9,),
           np.zeros(3, complex), np.array(["a"]), np.array([None], object), np.float32(0.5),
           np.int64(4), np.zeros(7)]  # fmt: skip
    if isinstance(leaf, np.ndarray):
        out += [leaf.astype(np.int64), leaf.astype(np.float32), leaf.astype(complex),
                leaf.reshape(-1)[:-1], leaf.astype(bool), leaf.tolist()]  # fmt: skip
    return out


def flat_snapshot(opt) -> dict[str, np.ndarray]:
    return flatten_state(opt.state_dict())


@pytest.mark.parametrize("name", OPTIMIZERS)
@PROPERTY
@given(where=st.integers(0, 10**6), what=st.integers(0, 10**6))
def test_optimizer_load_is_all_or_nothing(name, where, what):
    """Replace one entry of a real state dict: loading either fails with ValueError and
    changes nothing, or succeeds and the next step and the next save both work."""
    source, _ = trained(name)
    saved = source.state_dict()
    all_paths = list(paths(saved))
    path = all_paths[where % len(all_paths)]
    leaf = saved
    for key in path:
        leaf = leaf[key]
    options = replacements(leaf)
    mutated = replaced(saved, path, copy.deepcopy(options[what % len(options)]))

    opt, ps = trained(name)  # a different history from `source`'s: any change shows
    for p in ps:
        p.array += 0.25
    before = flat_snapshot(opt)
    try:
        opt.load_state_dict(mutated)
    except ValueError:
        after = flat_snapshot(opt)
        assert after.keys() == before.keys()
        assert all(np.array_equal(after[k], before[k], equal_nan=True) for k in before)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 1e30 as a learning rate overflows
        step(opt, ps)
    assert [p.array.dtype for p in ps] == [np.float32, np.float64]
    flatten_state(opt.state_dict())  # what was loaded can be checkpointed again


def adam_state(exp_avg):
    ps = params()
    opt = Adam(ps, lr=0.1)
    step(opt, ps)
    saved = opt.state_dict()
    saved["state"][0]["exp_avg"] = exp_avg(saved["state"][0]["exp_avg"])
    return saved


def test_integer_state_is_cast_to_the_parameter_dtype_as_torch_does():
    """The issue's int64 exp_avg: torch casts state to the parameter's dtype; so do we."""
    saved = adam_state(lambda m: np.round(m * 10).astype(np.int64))
    as_float = adam_state(lambda m: np.round(m * 10).astype(np.float32))
    runs = []
    for state in (saved, as_float):
        ps = params()
        opt = Adam(ps, lr=0.1)
        opt.load_state_dict(state)
        assert opt.state[ps[0]]["exp_avg"].dtype == np.float32
        step(opt, ps)
        runs.append([p.array.copy() for p in ps])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s["state"].update({0: None}), "state of parameter 0 is NoneType, not a dict"),
        (lambda s: s["state"][0].update(exp_avg=None), "the state of parameter 0 lacks exp_avg"),
        (lambda s: s["state"][0].pop("step"), "the state of parameter 0 lacks step"),
        (lambda s: s["state"][0].update(step=1.5), "step of parameter 0 must be an integer >= 0"),
        (lambda s: s["state"][1].update(exp_avg_sq=np.zeros(4, complex)),
         "state[1]['exp_avg_sq'] holds complex128 values, not real numbers"),
        (lambda s: s["state"][1].update(exp_avg=np.array(["a"] * 4)),
         "state[1]['exp_avg'] holds <U1 values"),
        (lambda s: s["state"][0].update(exp_avg=np.zeros(6)),
         "exp_avg of parameter 0 has shape (6,), not (3, 2)"),
        (lambda s: s["state"].update({5: {}}), "state for parameter 5, which no group lists"),
        (lambda s: s["param_groups"][0].update(lr="0.1"),
         "group 0: lr must be like its default 0.05, not '0.1'"),
        (lambda s: s["param_groups"][0].update(betas=(0.9, 1.5)),
         "group 0: Invalid beta parameter at index 1: 1.5"),
        (lambda s: s["param_groups"][0].update(params=[0, 0]),
         "parameter index 0 is not a distinct integer >= 0"),
    ],
    ids=["none-entry", "none-array", "no-step", "float-step", "complex", "strings", "shape",
         "unknown-index", "str-lr", "beta", "duplicate-index"],
)  # fmt: skip
def test_each_bad_entry_is_named_and_nothing_changes(edit, message):
    opt, ps = trained("adam")
    saved = copy.deepcopy(opt.state_dict())
    edit(saved)
    before = flat_snapshot(opt)
    with pytest.raises(ValueError, match=re.escape(message)):
        opt.load_state_dict(saved)
    after = flat_snapshot(opt)
    assert all(np.array_equal(after[k], before[k]) for k in before)


def test_every_problem_is_reported_at_once():
    opt, _ = trained("adam")
    saved = copy.deepcopy(opt.state_dict())
    saved["state"][0]["exp_avg"] = np.zeros(6)
    saved["state"][1] = None
    saved["param_groups"][0]["eps"] = [1e-8]
    with pytest.raises(ValueError) as info:
        opt.load_state_dict(saved)
    text = str(info.value)
    assert "exp_avg of parameter 0" in text and "parameter 1 is NoneType" in text
    assert "eps must be like its default" in text


@pytest.mark.parametrize(
    "key, array",
    [
        ("x:int", np.array(np.inf)),  # int(inf) raised OverflowError
        ("x:ints", np.array([np.inf, 1.0])),
        ("x:ints", np.zeros((2, 2), np.int64)),  # int() of a row raised TypeError
        ("x:float", np.zeros(2)),
        ("x:bool", np.array(2)),
        ("x:str", np.array([1.5])),  # came back as the text '\x01'
        ("x:str", np.array([300])),
        ("x:str", np.array([255], np.uint8)),
    ],
)
def test_a_flat_state_whose_arrays_contradict_their_tags_is_a_value_error(key, array):
    """What a damaged checkpoint hands unflatten_state: refused, naming the key."""
    with pytest.raises(ValueError, match=re.escape(repr(key))):
        unflatten_state({key: array})


def test_the_result_prints_as_torchs():
    model = nn.Linear(2, 1)
    assert repr(model.load_state_dict(model.state_dict())) == "<All keys matched successfully>"
    extra = {**model.state_dict(), "scale": lg.ones(1)}
    result = model.load_state_dict(extra, strict=False)
    assert repr(result) == "IncompatibleKeys(missing_keys=[], unexpected_keys=['scale'])"
