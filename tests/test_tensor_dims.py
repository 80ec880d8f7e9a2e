"""Every dim argument of every method goes through one normalizer: an out-of-range dim raises an
IndexError naming the dim and the tensor's number of dimensions, never wraps around."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import likelygrad as lg


def _size(x, d):
    """The size of dim d (wrapped into range: only used to build the other arguments)."""
    return x.shape[d % x.ndim] if x.ndim else 1


# (name, call with the tensor and the dim, does the dim range include one new position)
# The other arguments are valid whatever the shape, so only the dim can be wrong.
METHODS = [
    ("sum", lambda x, d: x.sum(d), 0),
    ("sum-tuple", lambda x, d: x.sum((d,)), 0),
    ("mean", lambda x, d: x.mean(dim=d), 0),
    ("prod", lambda x, d: x.prod(d), 0),
    ("amax", lambda x, d: x.amax(d), 0),
    ("amin", lambda x, d: lg.amin(x, d), 0),
    ("max", lambda x, d: x.max(d), 0),
    ("min", lambda x, d: lg.min(x, d), 0),
    ("argmax", lambda x, d: x.argmax(d), 0),
    ("argmin", lambda x, d: x.argmin(axis=d), 0),
    ("logsumexp", lambda x, d: x.logsumexp(d), 0),
    ("softmax", lambda x, d: x.softmax(d), 0),
    ("log_softmax", lambda x, d: x.log_softmax(d), 0),
    ("var", lambda x, d: x.var(d), 0),
    ("std", lambda x, d: x.std(dim=d), 0),
    ("all", lambda x, d: x.all(d), 0),
    ("any", lambda x, d: x.any(d), 0),
    ("count_nonzero", lambda x, d: x.count_nonzero(d), 0),
    ("cumsum", lambda x, d: x.cumsum(d), 0),
    ("cumprod", lambda x, d: x.cumprod(d), 0),
    ("sort", lambda x, d: x.sort(d), 0),
    ("argsort", lambda x, d: x.argsort(d), 0),
    ("topk", lambda x, d: x.topk(1, d), 0),
    ("kthvalue", lambda x, d: x.kthvalue(1, d), 0),
    ("median", lambda x, d: x.median(d), 0),
    ("norm", lambda x, d: x.norm(dim=d), 0),
    ("vector_norm", lambda x, d: lg.linalg.vector_norm(x, dim=d), 0),
    ("squeeze", lambda x, d: x.squeeze(d), 0),
    ("unsqueeze", lambda x, d: x.unsqueeze(d), 1),
    ("stack", lambda x, d: lg.stack([x, x], d), 1),
    ("flatten-start", lambda x, d: x.flatten(d), 0),
    ("flatten-end", lambda x, d: x.flatten(0, d), 0),
    ("unflatten", lambda x, d: x.unflatten(d, (-1,)), 0),
    ("transpose-0", lambda x, d: x.transpose(d, 0), 0),
    ("transpose-1", lambda x, d: x.transpose(0, d), 0),
    ("permute", lambda x, d: x.permute(*([d] + list(range(1, x.ndim)))), 0),
    ("movedim", lambda x, d: x.movedim(d, 0), 0),
    ("flip", lambda x, d: x.flip(d), 0),
    ("roll", lambda x, d: x.roll(1, d), 0),
    ("narrow", lambda x, d: x.narrow(d, 0, 1), 0),
    ("select", lambda x, d: x.select(d, 0), 0),
    ("split", lambda x, d: x.split(1, d), 0),
    ("chunk", lambda x, d: x.chunk(1, d), 0),
    ("unbind", lambda x, d: x.unbind(d), 0),
    ("size", lambda x, d: x.size(d), 0),
    ("gather", lambda x, d: x.gather(d, lg.zeros(x.shape, dtype=lg.int64)), 0),
    ("index_select", lambda x, d: x.index_select(d, lg.tensor([0])), 0),
    ("scatter", lambda x, d: x.scatter(d, lg.zeros(x.shape, dtype=lg.int64), x), 0),
    ("scatter_add", lambda x, d: x.scatter_add(d, lg.zeros(x.shape, dtype=lg.int64), x), 0),
    ("index_add", lambda x, d: x.index_add(d, lg.zeros(_size(x, d), dtype=lg.int64), x), 0),
    ("index_fill", lambda x, d: x.index_fill(d, lg.tensor([0]), 1.0), 0),
    ("diagonal", lambda x, d: x.diagonal(0, d, 1 if d % max(x.ndim, 1) != 1 else 0), 0),
    ("repeat_interleave", lambda x, d: x.repeat_interleave(2, d), 0),
    ("unique", lambda x, d: x.unique(dim=d), 0),
    ("cat", lambda x, d: lg.cat([x, x], d), 0),
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(METHODS),
    st.integers(0, 4),
    st.integers(0, 3),
    st.booleans(),
    st.data(),
)
def test_out_of_range_dims_raise_index_error_naming_dim_and_ndim(
    method, ndim, past, negative, data
):
    name, call, extra = method
    if name in ("cat", "permute") and ndim == 0:
        return  # torch cannot concatenate 0-d tensors, and permute(d) has one dim too many
    shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    x = lg.tensor(np.arange(float(np.prod(shape))).reshape(shape))
    bound = max(ndim + extra, 1)  # a 0-d tensor accepts dim 0 and -1, as in torch
    dim = -bound - 1 - past if negative else bound + past
    with pytest.raises(IndexError) as info:
        call(x, dim)
    message = str(info.value)
    assert f"got {dim}" in message, message
    assert f"has {ndim} dimension" in message, message


@pytest.mark.parametrize("name, call, extra", METHODS, ids=[m[0] for m in METHODS])
def test_every_in_range_dim_is_accepted(name, call, extra):
    """The other side of the property: the largest and smallest valid dims work."""
    x = lg.tensor(np.arange(24.0).reshape(2, 3, 4))
    for dim in (2 + extra, -3 - extra):
        if name == "permute":
            x.permute(dim, *(d for d in range(3) if d != dim % 3))
        else:
            call(x, dim)


def test_dims_must_be_ints_and_distinct():
    x = lg.tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="dim must be an int"):
        x.sum(1.0)
    with pytest.raises(TypeError, match="dim must be an int"):
        x.softmax(True)
    with pytest.raises(RuntimeError, match="appears more than once"):
        x.sum((1, -1))
