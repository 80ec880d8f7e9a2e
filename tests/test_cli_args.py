"""The arguments of `likelygrad`: help with every default, --version, one-line errors."""

from __future__ import annotations

import argparse
import re

import pytest

from likelygrad import __version__
from likelygrad.cli import build_parser, main
from likelygrad.cli.parser import TRAIN_DEFAULTS


def subparsers() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def options(command: str) -> list[argparse.Action]:
    return [a for a in subparsers()[command]._actions if a.option_strings and a.dest != "help"]


@pytest.mark.parametrize("command", ["train", "eval", "predict", "info"])
def test_help_gives_every_option_a_meaning_and_every_value_a_default(capsys, command):
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    for a in options(command):
        assert a.help and a.option_strings[0] in text, a.dest
        takes_value = a.nargs != 0
        if takes_value:
            assert "default" in a.help, f"{a.option_strings[0]}: the help names no default"
    for a in subparsers()[command]._actions:  # positional arguments say what they are
        if not a.option_strings:
            assert a.help, a.dest


def test_train_help_shows_the_real_defaults():
    helps = {a.dest: a.help for a in options("train")}
    for key, value in TRAIN_DEFAULTS.items():
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            assert f"default: {value:g}" in helps[key] if isinstance(value, float) else (
                f"default: {value}" in helps[key]
            ), key  # fmt: skip
    assert "default: 256 128" in helps["hidden"] and "adam 0.001" in helps["lr"]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"likelygrad {__version__}\n"


def bad_values():
    """Every option that takes a value, with values its type or choices must refuse."""
    for command in ("train", "eval", "predict"):
        for a in options(command):
            if a.nargs == 0 or (a.choices is None and a.type is None):
                continue  # a flag, or a free-form path (checked when used)
            for value in ("x", "", "-1", "nan") if a.type else ("no-such-choice",):
                yield command, a.option_strings[0], value


@pytest.mark.parametrize("command, flag, value", list(bad_values()))
def test_bad_values_are_one_line_without_internal_names(capsys, command, flag, value):
    positional = {"train": [], "eval": ["ckpt"], "predict": ["ckpt", "image.png"]}[command]
    assert main([command, f"{flag}={value}", *positional]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"likelygrad {command}: error: argument {flag}")
    assert not re.search(r"invalid \w+ value|_", lines[0]), lines[0]  # no function names


@pytest.mark.parametrize("argv", [[], ["fly"], ["train", "--no-such-flag"], ["eval"]])
def test_usage_errors_are_one_line(capsys, argv):
    assert main(argv) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and re.match(r"likelygrad( \w+)?: error: ", lines[0]), lines
    assert lines[0].endswith("--help)")


def test_the_readme_names_only_real_options():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## The command line\n")[1].split("\n## ")[0]
    known = {s for c in subparsers() for a in options(c) for s in a.option_strings}
    known |= {"--help", "--version"}
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", section))
    assert named and named <= known, named - known
