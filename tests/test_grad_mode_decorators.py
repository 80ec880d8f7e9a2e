"""Grad-mode managers as decorators (with and without parentheses, on generator functions) and
`set_detect_anomaly` as a call and a context manager, each compared with torch where it is here."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import likelygrad as lg


@pytest.fixture(autouse=True)
def _restore_modes() -> Iterator[None]:
    """A failing test must not leave grad or anomaly mode changed for the rest of the suite."""
    grad, anomaly = lg.is_grad_enabled(), lg.autograd.modes._ANOMALY.__dict__.copy()
    yield
    lg.set_grad_enabled(grad)
    lg.autograd.modes._ANOMALY.__dict__.clear()
    lg.autograd.modes._ANOMALY.__dict__.update(anomaly)


def _set_grad_enabled_decorator_trace(lib: types.ModuleType) -> tuple[bool, ...]:
    """Grad mode right after building `set_grad_enabled(False)`, after decorating with it,
    inside the decorated function, and after the call."""
    manager = lib.set_grad_enabled(False)
    after_ctor = lib.is_grad_enabled()

    @manager
    def f(x: Any) -> tuple[bool, bool]:
        return lib.is_grad_enabled(), (x * 2).requires_grad

    after_decorate = lib.is_grad_enabled()
    inside, records = f(lib.ones(1, requires_grad=True))
    return after_ctor, after_decorate, inside, records, lib.is_grad_enabled()


def test_set_grad_enabled_decorator_is_local_to_calls() -> None:
    # the constructor acts at once; decorating restores; only calls of f run without grad
    assert _set_grad_enabled_decorator_trace(lg) == (False, True, False, False, True)


def test_set_grad_enabled_decorator_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    assert _set_grad_enabled_decorator_trace(lg) == _set_grad_enabled_decorator_trace(torch)


def test_set_grad_enabled_still_a_call_and_a_context_manager() -> None:
    lg.set_grad_enabled(False)
    assert not lg.is_grad_enabled()
    with lg.set_grad_enabled(True):
        assert lg.is_grad_enabled()
    assert not lg.is_grad_enabled()  # the block restores what was in force before it
    lg.set_grad_enabled(True)
    assert lg.is_grad_enabled()
    assert repr(lg.set_grad_enabled(True)).endswith("set_grad_enabled(mode=True)")


def test_set_grad_enabled_rejects_what_torch_rejects() -> None:
    for bad in (1, None, lambda: None):  # the lambda is the bare `@set_grad_enabled`
        with pytest.raises(TypeError, match="must be bool"):
            lg.set_grad_enabled(bad)  # type: ignore[arg-type]
        assert lg.is_grad_enabled()  # and the mode was left alone


def test_set_grad_enabled_rejects_like_torch() -> None:
    torch = pytest.importorskip("torch")
    for bad in (1, None, lambda: None):
        with pytest.raises(TypeError, match="must be bool"):
            torch.set_grad_enabled(bad)


def _generator_trace(lib: types.ModuleType, decorate: Callable[[Callable], Callable]) -> list:
    """What a decorated generator sees at each step (and what the caller sees between steps):
    the mode inside, whether its outputs record, `send`, and the returned value."""
    seen: list = []

    @decorate
    def gen(x: Any) -> Iterator[Any]:
        got = yield (lib.is_grad_enabled(), (x * 2).requires_grad)
        yield ("sent", got, lib.is_grad_enabled())
        return "done"

    g = gen(lib.ones(1, requires_grad=True))
    seen.append(next(g))
    seen.append(("caller", lib.is_grad_enabled()))
    seen.append(g.send(7))
    seen.append(("caller", lib.is_grad_enabled()))
    with pytest.raises(StopIteration) as stop:
        next(g)
    seen.append(stop.value.value)
    seen.append(inspect.isgeneratorfunction(gen))
    return seen


_DECORATORS = {  # name -> how to build the decorator from a library (torch or likelygrad)
    "no_grad()": lambda lib: lib.no_grad(),
    "no_grad": lambda lib: lib.no_grad,
    "inference_mode()": lambda lib: lib.inference_mode(),
    "inference_mode": lambda lib: lib.inference_mode,
    "set_grad_enabled(False)": lambda lib: lib.set_grad_enabled(False),
}


@pytest.mark.parametrize("name", list(_DECORATORS))
def test_grad_off_decorators_on_generators(name: str) -> None:
    trace = _generator_trace(lg, _DECORATORS[name](lg))
    assert trace == [
        (False, False),  # the body runs without grad: the doubled tensor records nothing
        ("caller", True),  # between steps the caller's mode is back
        ("sent", 7, False),
        ("caller", True),
        "done",
        True,  # still a generator function
    ]


@pytest.mark.parametrize("name", [*_DECORATORS, "enable_grad()", "enable_grad"])
def test_decorated_generators_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    build = {
        **_DECORATORS,
        "enable_grad()": lambda lib: lib.enable_grad(),
        "enable_grad": lambda lib: lib.enable_grad,
    }[name]
    for lib in (lg, torch):  # enable_grad is only visible when the caller has grad off
        lib.set_grad_enabled(False)
    try:
        ours, theirs = _generator_trace(lg, build(lg)), _generator_trace(torch, build(torch))
    finally:
        lg.set_grad_enabled(True)
        torch.set_grad_enabled(True)
    assert ours == theirs


def test_decorated_generator_closes_and_throws_inside_the_mode() -> None:
    seen = []

    @lg.no_grad()
    def gen() -> Iterator[int]:
        try:
            yield 1
        except KeyError:
            seen.append(("throw", lg.is_grad_enabled()))
            yield 2
        finally:
            seen.append(("close", lg.is_grad_enabled()))

    g = gen()
    assert next(g) == 1
    assert g.throw(KeyError("x")) == 2
    g.close()
    assert seen == [("throw", False), ("close", False)]
    assert lg.is_grad_enabled()


def _bare_trace(lib: types.ModuleType, name: str, caller_grad: bool) -> tuple:
    """`@lib.<name>` with no parentheses: the mode inside, and the wrapper's metadata."""
    lib.set_grad_enabled(caller_grad)
    try:

        def f(x: Any) -> tuple[bool, bool]:
            """Doubles."""
            return lib.is_grad_enabled(), (x * 2).requires_grad

        wrapped = getattr(lib, name)(f)
        inside = wrapped(lib.ones(1, requires_grad=True))
        return inside, lib.is_grad_enabled(), wrapped.__name__, wrapped.__doc__, wrapped.__wrapped__
    finally:
        lib.set_grad_enabled(True)


@pytest.mark.parametrize(
    "name, caller_grad, inside",
    [("no_grad", True, (False, False)), ("enable_grad", False, (True, True)),
     ("inference_mode", True, (False, False))],
)  # fmt: skip
def test_decorators_without_parentheses(name: str, caller_grad: bool, inside: tuple) -> None:
    got, after, fname, doc, _ = _bare_trace(lg, name, caller_grad)
    assert (got, after, fname, doc) == (inside, caller_grad, "f", "Doubles.")


@pytest.mark.parametrize("name", ["no_grad", "enable_grad", "inference_mode"])
@pytest.mark.parametrize("caller_grad", [True, False])
def test_decorators_without_parentheses_match_torch(name: str, caller_grad: bool) -> None:
    torch = pytest.importorskip("torch")
    assert _bare_trace(lg, name, caller_grad)[:4] == _bare_trace(torch, name, caller_grad)[:4]


def test_managers_keep_their_instance_forms() -> None:
    assert isinstance(lg.no_grad(), lg.no_grad)
    assert isinstance(lg.inference_mode(False), lg.inference_mode)
    with lg.no_grad():
        with lg.inference_mode(False):  # torch's InferenceMode(False) turns grad on
            assert lg.is_grad_enabled()
        with lg.enable_grad():
            assert lg.is_grad_enabled()
        assert not lg.is_grad_enabled()
    with pytest.raises(TypeError):
        lg.no_grad(None)  # type: ignore[call-arg]  # as torch: no_grad takes no argument


def test_decorated_recursion_restores_each_level() -> None:
    @lg.enable_grad
    def depth(n: int) -> list[bool]:
        with lg.no_grad():
            inner = depth(n - 1) if n else []
        return [lg.is_grad_enabled(), *inner]

    with lg.no_grad():
        assert depth(3) == [True] * 4
        assert not lg.is_grad_enabled()


def test_set_detect_anomaly_call_and_context_manager() -> None:
    def state() -> tuple[bool, bool]:
        return lg.autograd.is_anomaly_enabled(), lg.autograd.is_anomaly_check_nan_enabled()

    seen = [type(lg.autograd.set_detect_anomaly(True)).__name__, state()]  # a plain call lasts
    with lg.autograd.set_detect_anomaly(False):
        seen.append(state())
    seen.append(state())  # the block restored what was on before it
    with lg.autograd.set_detect_anomaly(True, check_nan=False):
        seen.append(state())
    seen.append(state())
    lg.autograd.set_detect_anomaly(False)
    seen.append(state())
    assert seen == [
        "set_detect_anomaly",
        (True, True),
        (False, True),
        (True, True),
        (True, False),
        (True, True),
        (False, True),
    ]  # fmt: skip  (torch 2.13 gives exactly this: check_nan reads as set, detection on or off)


def test_set_detect_anomaly_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = []
    for mode, check_nan in [(True, True), (True, False), (False, True)]:
        outer = lg.autograd.set_detect_anomaly(mode, check_nan)
        with lg.autograd.set_detect_anomaly(not mode):
            ours.append(lg.autograd.is_anomaly_enabled())
        ours.append(lg.autograd.is_anomaly_enabled())
        theirs_outer = torch.autograd.set_detect_anomaly(mode, check_nan)
        with torch.autograd.set_detect_anomaly(not mode):
            assert ours[-2] == torch.is_anomaly_enabled()
        assert ours[-1] == torch.is_anomaly_enabled()
        assert type(outer).__name__ == type(theirs_outer).__name__ == "set_detect_anomaly"
    torch.autograd.set_detect_anomaly(False)
    lg.autograd.set_detect_anomaly(False)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0) on purpose
def test_anomaly_context_manager_restores_on_error_and_detect_anomaly_still_works() -> None:
    with pytest.raises(RuntimeError, match="Log"), lg.autograd.set_detect_anomaly(True):
        lg.tensor([0.0], requires_grad=True).log()  # checked inside the block
    assert not lg.autograd.is_anomaly_enabled()
    lg.tensor([0.0], requires_grad=True).log()  # and not after it
    with lg.autograd.detect_anomaly(check_nan=False):
        assert lg.autograd.is_anomaly_enabled()
        assert not lg.autograd.is_anomaly_check_nan_enabled()
    assert not lg.autograd.is_anomaly_enabled()
    with pytest.raises(TypeError, match="must be bool"):
        lg.autograd.set_detect_anomaly(1)  # type: ignore[arg-type]  # as torch


@pytest.mark.parametrize("lib_name", ["likelygrad", "torch"])
def test_inference_mode_and_check_nan_flags_read_as_torch_reports_them(lib_name: str) -> None:
    lib = lg if lib_name == "likelygrad" else pytest.importorskip("torch")
    with lib.no_grad():
        assert not lib.is_inference_mode_enabled()  # no_grad alone is not inference mode
    with lib.inference_mode():
        assert lib.is_inference_mode_enabled() and not lib.is_grad_enabled()
        with lib.inference_mode(False):
            assert not lib.is_inference_mode_enabled() and lib.is_grad_enabled()
        assert lib.is_inference_mode_enabled()
    assert not lib.is_inference_mode_enabled() and lib.is_grad_enabled()
    assert lib.is_anomaly_check_nan_enabled()  # the flag, though detection is off
    try:
        lib.autograd.set_detect_anomaly(False, check_nan=False)
        assert not lib.is_anomaly_check_nan_enabled()
    finally:
        lib.autograd.set_detect_anomaly(False, check_nan=True)
    assert lib.is_anomaly_check_nan_enabled()
