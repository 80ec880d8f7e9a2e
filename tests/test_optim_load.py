"""The all-or-nothing load_state_dict property of test_load_state_dict, for the optimizers added
since (RMSprop, Adagrad, NAdam, Adadelta, Adamax): a state dict with any one entry replaced by a
value of any kind either loads and trains on, or raises ValueError and changes nothing."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_load_state_dict import (
    DELETE,
    PROPERTY,
    flat_snapshot,
    params,
    paths,
    replaced,
    replacements,
    step,
)

from likelygrad.optim import Adadelta, Adagrad, Adamax, NAdam, RMSprop, flatten_state

OPTIMIZERS = {
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
    "adagrad": lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "nadam": lambda ps: NAdam(ps, lr=0.05, decoupled_weight_decay=True, weight_decay=0.1),
    "adadelta": lambda ps: Adadelta(ps, lr=1.0, rho=0.8),
    "adamax": lambda ps: Adamax(ps, lr=0.05, maximize=True),
}


def trained(name: str):
    ps = params()
    opt = OPTIMIZERS[name](ps)
    for _ in range(3):
        step(opt, ps)
    return opt, ps


@pytest.mark.parametrize("name", OPTIMIZERS)
@PROPERTY
@given(where=st.integers(0, 10**6), what=st.integers(0, 10**6))
def test_optimizer_load_is_all_or_nothing(name, where, what):
    saved = trained(name)[0].state_dict()
    all_paths = list(paths(saved))
    path = all_paths[where % len(all_paths)]
    leaf = saved
    for key in path:
        leaf = leaf[key]
    options = replacements(leaf)
    mutated = replaced(saved, path, copy.deepcopy(options[what % len(options)]))

    opt, ps = trained(name)
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
    flatten_state(opt.state_dict())


@pytest.mark.parametrize("name,key", [
    ("rmsprop", "square_avg"), ("adagrad", "sum"), ("nadam", "mu_product"),
    ("adadelta", "acc_delta"), ("adamax", "exp_inf"),
])  # fmt: skip
def test_missing_or_misshapen_state_is_named(name, key):
    saved = trained(name)[0].state_dict()
    for value, message in [(DELETE, f"lacks {key}"), (np.zeros(7), "shape|must be a number")]:
        opt, _ = trained(name)
        with pytest.raises(ValueError, match=message):
            opt.load_state_dict(replaced(saved, ("state", 0, key), value))
