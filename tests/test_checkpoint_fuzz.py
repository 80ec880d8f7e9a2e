"""Hostile checkpoints: real ones, mutated, must load as valid numeric arrays or raise exactly
CheckpointError naming the file, never anything else, and never allocate more than they hold.

The checkpoints are written by `fit` from a small trained model (both formats). Mutations: bit
flips, truncation at every offset, edits of the zip structure (flags, compression method, sizes,
offsets, names), edits of the .npy and safetensors headers (shapes, dtypes, offsets) with the
archive rebuilt around them, member-level edits (duplicates, plain members, pickles) and
metadata edits. Every load runs under a memory cap (`memory_cap`), so an over-allocation is a
MemoryError that fails the test rather than a machine that runs out of memory.
"""

from __future__ import annotations

import io
import json
import re
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_cap import memory_cap

import likelygrad as lg
from likelygrad import optim
from likelygrad.models import build_model, validate_config
from likelygrad.train import CheckpointError, fit, load_checkpoint, restore_training_state
from likelygrad.train.checkpoint import FORMAT

CONFIG = {"model": "mlp", "hidden": [6], "activation": "relu", "dropout": 0.0,
          "in_features": 4, "out_features": 3, "image_shape": [2, 2]}  # fmt: skip
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # seeded: CI sees the same cases every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def model_and_optimizer():
    lg.manual_seed(0)
    model = build_model(CONFIG, 4, 3)
    return model, optim.Adam(model.parameters(), lr=0.01)


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> dict[str, bytes]:
    """The bytes of a real checkpoint in each format, after two epochs of training."""
    pytest.importorskip("safetensors")
    folder = tmp_path_factory.mktemp("originals")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    out = {}
    for suffix in (".npz", ".safetensors"):
        model, opt = model_and_optimizer()
        fit(model, "categorical", opt, (x, y), (x, y), epochs=2, batch_size=8, progress="quiet",
            checkpoint=folder / f"c{suffix}", config=CONFIG, early_stopping=5)  # fmt: skip
        out[suffix] = (folder / f"c{suffix}").read_bytes()
    return out


def check_load(path) -> None:
    """The property: valid numeric arrays and metadata, or exactly CheckpointError naming
    `path`. What loads must also restore into a fresh model and optimizer, or raise a
    ValueError; a configuration that passes validation must build a model."""
    try:
        with memory_cap():
            arrays, meta = load_checkpoint(path)
    except CheckpointError as e:
        assert type(e) is CheckpointError and str(path) in str(e), e
        return
    for key, a in arrays.items():
        assert isinstance(key, str) and isinstance(a, np.ndarray), key
        assert a.dtype.kind in "biuf" and a.dtype.fields is None and a.dtype.isnative, a.dtype
        assert a.flags.writeable and (a.dtype.kind != "b" or a.view(np.uint8).max(initial=0) <= 1)
    assert isinstance(meta, dict) and meta["format"] == FORMAT and type(meta["version"]) is int
    model, opt = model_and_optimizer()
    with memory_cap(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # flipped bits may make inf or nan
        try:
            restore_training_state(arrays, meta, model, opt)
        except ValueError:
            pass
        try:
            config = validate_config(meta.get("config", {}))
        except ValueError:
            return
        if {"in_features", "out_features"} <= config.keys():
            build_model(config, config["in_features"], config["out_features"])


def put(tmp_path, suffix: str, data: bytes, name: str = "mutant"):
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(data)
    return path


SUFFIXES = [".npz", ".safetensors"]


def test_the_originals_load_and_resume(originals, tmp_path):
    for suffix, data in originals.items():
        arrays, meta = load_checkpoint(put(tmp_path, suffix, data))
        assert meta["epoch"] == 2 and meta["config"] == CONFIG
        assert {k.split(".")[0] for k in arrays} == {"model", "optimizer", "best", "last"}
        model, opt = model_and_optimizer()
        restore_training_state(arrays, meta, model, opt)
        assert opt.state_dict()["state"][0]["step"] == 10


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_truncated_at_every_offset(originals, tmp_path, suffix):
    data = originals[suffix]
    # a cut zip loses its directory (at the end), so most cuts fail alike: every third will do
    for cut in range(0, len(data), 3 if suffix == ".npz" else 1):
        check_load(put(tmp_path, suffix, data[:cut]))


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 7)), min_size=1, max_size=3)
)
def test_bit_flips(originals, tmp_path, suffix, flips):
    data = bytearray(originals[suffix])
    for at, bit in flips:
        data[at % len(data)] ^= 1 << bit
    check_load(put(tmp_path, suffix, bytes(data)))


# ---- zip structure ----------------------------------------------------------------------------
# (offset, width) of fields in a central directory record (PK\1\2) and a local header (PK\3\4)
CENTRAL = {"flags": (8, 2), "method": (10, 2), "crc": (16, 4), "compressed": (20, 4),
           "size": (24, 4), "name_length": (28, 2), "extra_length": (30, 2),
           "offset": (42, 4), "name": (46, 4)}  # fmt: skip
LOCAL = {"flags": (6, 2), "method": (8, 2), "crc": (14, 4), "compressed": (18, 4),
         "size": (22, 4), "name_length": (26, 2), "extra_length": (28, 2),
         "name": (30, 4)}  # fmt: skip
INTERESTING = [0, 1, 2, 8, 12, 14, 0x20, 0x40, 0x41, 0x800, 0xFFFF, 0xFFFFFFFF, 2**31, 99]


def records(data: bytes, signature: bytes) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(signature), data)]


@FUZZ
@given(
    central=st.booleans(),
    which=st.integers(0, 1000),
    field=st.sampled_from(sorted(CENTRAL)),
    value=st.one_of(st.sampled_from(INTERESTING), st.integers(0, 2**32 - 1)),
)
def test_zip_field_edits(originals, tmp_path, central, which, field, value):
    data = bytearray(originals[".npz"])
    table = CENTRAL if central else LOCAL
    starts = records(bytes(data), b"PK\x01\x02" if central else b"PK\x03\x04")
    at = starts[which % len(starts)]
    offset, width = table.get(field, table["flags"])
    data[at + offset : at + offset + width] = (value % 256**width).to_bytes(width, "little")
    check_load(put(tmp_path, ".npz", bytes(data)))


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def rebuild(items: list[tuple[str, bytes]], method: int = zipfile.ZIP_STORED) -> bytes:
    """A valid zip archive (right CRCs) of `items`, duplicates allowed."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", method) as z:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
        for name, payload in items:
            z.writestr(name, payload)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def with_header(payload: bytes, header: str, version: bytes = b"\x01\x00") -> bytes:
    """A .npy member whose header text is replaced (the data after it kept)."""
    n = int.from_bytes(payload[8:10], "little")
    text = header.encode("latin1")
    length = len(text).to_bytes(2 if version == b"\x01\x00" else 4, "little")
    return b"\x93NUMPY" + version + length + text + payload[10 + n :]


DESCRS = ["<f4", "<f8", ">f4", "<f2", "|b1", "<i8", "|u1", "|O", "<U3", "|S4", "<c8", "|V8",
          "<M8[s]", "(2,)<f4", "f4,f4", "[('a', '<f4')]", "'", "nonsense", "<f16"]  # fmt: skip
SHAPES = ["()", "(0,)", "(2**40,)", "(1099511627776,)", "(-1,)", "(3, -2)", "(True,)",
          "(1.5,)", "[2]", "(" + "1, " * 70 + ")", "(65536, 65536)", "(6,)", "(6, 4)",
          "(4, 6)", "(24,)", "(3,)"]  # fmt: skip


@FUZZ
@given(
    which=st.integers(0, 1000),
    descr=st.sampled_from(DESCRS),
    shape=st.sampled_from(SHAPES),
    fortran=st.sampled_from(["False", "True", "1", "None"]),
    extra=st.sampled_from(["", "'x': 1, ", "'descr': '<f8', "]),
    version=st.sampled_from([b"\x01\x00", b"\x02\x00", b"\x03\x00", b"\x09\x00"]),
    deflate=st.booleans(),
)
def test_npy_header_edits(originals, tmp_path, which, descr, shape, fortran, extra, version,
                          deflate):  # fmt: skip
    items = list(members(originals[".npz"]).items())
    name, payload = items[which % len(items)]
    descr_text = descr if descr.startswith("[") else repr(descr)
    header = f"{{{extra}'descr': {descr_text}, 'fortran_order': {fortran}, 'shape': {shape}, }}"
    items[which % len(items)] = (name, with_header(payload, header.ljust(118) + "\n", version))
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    check_load(put(tmp_path, ".npz", rebuild(items, method)))


class Boom:
    """Unpickling this creates the file `marker`: proof that a loader ran code."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


def member_edits(tmp_path) -> dict[str, object]:
    Boom.marker = str(tmp_path / "pickle-ran")
    text = json.dumps({"format": FORMAT, "version": 1}).encode()
    twos = npy_bytes(np.full(4, 2, np.uint8))
    bools_of_twos = with_header(twos, "{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }")

    def without_meta(items):
        return [(n, p) for n, p in items if n != "__meta__.npy"]

    return {
        "duplicate": lambda items: items + items[:1],
        "plain member": lambda items: [*items, ("w", b"abc")],
        "plain __meta__": lambda items: [*without_meta(items), ("__meta__", text)],
        "no __meta__": without_meta,
        "__meta__ of floats": lambda items: [*without_meta(items), ("__meta__.npy", twos)],
        "directory": lambda items: [*items, ("dir/", b"")],
        "object array": lambda items: [*items, ("x.npy", npy_bytes(np.array([Boom()], object)))],
        "pickled __meta__": lambda items: [
            *without_meta(items),
            ("__meta__.npy", npy_bytes(np.array([Boom()], object))),
        ],
        "string array": lambda items: [*items, ("s.npy", npy_bytes(np.array(["ab", "c"])))],
        "record array": lambda items: [*items, ("r.npy", npy_bytes(np.zeros(2, "f4,i4")))],
        "complex array": lambda items: [*items, ("c.npy", npy_bytes(np.zeros(2, complex)))],
        "bools that are 2": lambda items: [*items, ("b.npy", bools_of_twos)],
        "empty archive": lambda items: [],
    }


@pytest.mark.parametrize("deflate", [False, True])
def test_member_edits(originals, tmp_path, deflate):
    items = list(members(originals[".npz"]).items())
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    for name, edit in member_edits(tmp_path).items():
        path = put(tmp_path, ".npz", rebuild(edit(items), method), name.replace(" ", "-"))
        check_load(path)
        with pytest.raises(CheckpointError, match=re.escape(str(path))):
            load_checkpoint(path)
    assert not (tmp_path / "pickle-ran").exists()


def test_a_deflated_checkpoint_loads(originals, tmp_path):
    items = list(members(originals[".npz"]).items())
    path = put(tmp_path, ".npz", rebuild(items, zipfile.ZIP_DEFLATED))
    arrays, meta = load_checkpoint(path)
    expected, _ = load_checkpoint(put(tmp_path, ".npz", originals[".npz"], "plain"))
    assert arrays.keys() == expected.keys() and meta["config"] == CONFIG
    assert all(np.array_equal(arrays[k], expected[k]) for k in arrays)


# ---- metadata -----------------------------------------------------------------------------------
def with_meta(tmp_path, originals, suffix: str, text: bytes, name: str = "meta"):
    """The original checkpoint with its metadata bytes replaced by `text`."""
    data = originals[suffix]
    if suffix == ".npz":
        items = [(n, p) for n, p in members(data).items() if n != "__meta__.npy"]
        items.append(("__meta__.npy", npy_bytes(np.frombuffer(text, np.uint8))))
        return put(tmp_path, suffix, rebuild(items), name)
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    header["__metadata__"]["likelygrad"] = text.decode("utf-8", "surrogateescape")
    return put(tmp_path, suffix, safetensors_bytes(header, data[8 + n :]), name)


def safetensors_bytes(header: object, payload: bytes, length: int | None = None) -> bytes:
    text = json.dumps(header).encode("utf-8", "surrogateescape")
    text += b" " * (-len(text) % 8)
    return (len(text) if length is None else length).to_bytes(8, "little") + text + payload


def edited(meta: dict, path: str, value: object) -> dict:
    """A deep copy of `meta` with the entry at the dotted `path` set (or deleted for DELETE)."""
    meta = json.loads(json.dumps(meta))
    *parents, last = path.split(".")
    node = meta
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return meta


DELETE = object()
META_EDITS = [("version", v) for v in ("2", None, [1], 1.5, True, 0, -1, 2, 2**70)] + [
    ("format", DELETE), ("format", "something-else"), ("epoch", -1), ("epoch", "1"),
    ("epoch", 1.5), ("history", {"a": 1}), ("history", [{"a": "x"}]), ("history", [1]),
    ("early", {"best_nll": 1.0}), ("early.bad", -2), ("early.best_epoch", "3"),
    ("rng.bit_generator", "MT19937"), ("rng.state.state", 2**200), ("rng.state.inc", -1),
    ("rng.has_uint32", 7), ("rng", None), ("config", []), ("finished", "yes"), ("stopped", None),
]  # fmt: skip
CONFIG_EDITS = [
    ("config.in_features", 10**12), ("config.hidden", [10**9]), ("config.hidden", "abc"),
    ("config.hidden", [6] * 1000), ("config.dropout", 2), ("config.image_shape", [10**6, 10**6]),
    ("config.image_shape", [3, 3]), ("config.activation", "gelu"), ("config.model", None),
    ("config.out_features", 0), ("config.hidden", [True]), ("config.in_features", 4.0),
]  # fmt: skip


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_metadata_edits(originals, tmp_path, suffix):
    _, meta = load_checkpoint(put(tmp_path, suffix, originals[suffix], "original"))
    for i, (key, value) in enumerate(META_EDITS):
        path = with_meta(tmp_path, originals, suffix, json.dumps(edited(meta, key, value)).encode(),
                         f"meta{i}")  # fmt: skip
        check_load(path)
        with pytest.raises(CheckpointError, match=re.escape(str(path))):
            load_checkpoint(path)
    for i, text in enumerate([b"{", b"\xff\xfe{}", b"[" * 100_000, b"1" * 5000, b"null", b"[]"]):
        path = with_meta(tmp_path, originals, suffix, text, f"text{i}")
        check_load(path)
        with pytest.raises(CheckpointError, match=re.escape(str(path))):
            load_checkpoint(path)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_absurd_configurations_are_refused_before_building(originals, tmp_path, suffix):
    from likelygrad.cli.config import checked_config

    _, meta = load_checkpoint(put(tmp_path, suffix, originals[suffix], "original"))
    for i, (key, value) in enumerate(CONFIG_EDITS):
        text = json.dumps(edited(meta, key, value)).encode()
        path = with_meta(tmp_path, originals, suffix, text, f"config{i}")
        check_load(path)  # the file itself is fine; the config is not
        config = load_checkpoint(path)[1]["config"]
        with pytest.raises(CheckpointError, match=re.escape(str(path))), memory_cap():
            checked_config(path, config, [])
        with pytest.raises(ValueError, match="invalid model configuration"), memory_cap():
            build_model(config, config["in_features"], config["out_features"])


# ---- safetensors header -------------------------------------------------------------------------
ST_DTYPES = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64",
             "U64", "C64", "F8_E4M3", "F8_E5M2", "X", 7, None]  # fmt: skip
ST_SHAPES = [[], [0], [2**40], [2**62, 2**62], [-1], [1.5], ["a"], None, [3, 2], [6], [1] * 200]


@FUZZ
@given(
    which=st.integers(0, 1000),
    field=st.sampled_from(["dtype", "shape", "data_offsets", "length", "metadata", "drop"]),
    dtype=st.sampled_from(ST_DTYPES),
    shape=st.sampled_from(ST_SHAPES),
    offsets=st.lists(st.one_of(st.integers(-1, 1 << 16), st.just(2**64)), max_size=3),
    length=st.one_of(st.integers(0, 1 << 16), st.just(2**64 - 1), st.just(2**63)),
    metadata=st.sampled_from([None, [], {"likelygrad": 3}, {"other": "x"}, "x"]),
)
def test_safetensors_header_edits(originals, tmp_path, which, field, dtype, shape, offsets,
                                  length, metadata):  # fmt: skip
    data = originals[".safetensors"]
    n = int.from_bytes(data[:8], "little")
    header, payload = json.loads(data[8 : 8 + n]), data[8 + n :]
    names = sorted(k for k in header if k != "__metadata__")
    name = names[which % len(names)]
    new_length = None
    if field == "dtype":
        header[name]["dtype"] = dtype
    elif field == "shape":
        header[name]["shape"] = shape
    elif field == "data_offsets":
        header[name]["data_offsets"] = offsets
    elif field == "length":
        new_length = length
    elif field == "metadata":
        header["__metadata__"] = metadata
    else:
        del header[name]
    check_load(put(tmp_path, ".safetensors", safetensors_bytes(header, payload, new_length)))
