"""The README's "## Commands" table shows only commands and options the real `ucj` parser has,
and lists every command it has: a removed flag (as `dashboards push --token` was) or a new
command (as `ucj kafka credentials` was) fails here instead of going stale in the README."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from services.cli import build_parser

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SECTION = README[README.index("\n## Commands\n"):]
SECTION = SECTION[: SECTION.index("\n## ", 1)]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return {name: sub for action in actions for name, sub in action.choices.items()}


def options(parser: argparse.ArgumentParser) -> set[str]:
    """The options `--help` shows; a hidden one (dashboards push --token) is kept only to refuse it."""
    return {flag for action in parser._actions if action.help != argparse.SUPPRESS for flag in action.option_strings}


def walk(parser: argparse.ArgumentParser, words: list[str]) -> tuple[list[str], argparse.ArgumentParser]:
    """The subcommands `words` start with, and the parser they lead to."""
    path = []
    for word in words:
        children = subcommands(parser)
        if word not in children:
            break
        path.append(word)
        parser = children[word]
    return path, parser


def shown_commands() -> list[tuple[str, list[str], argparse.ArgumentParser]]:
    """(code span, subcommand path, its parser) for each command in the table's first column.
    A span without `ucj` (`down`, `remove ID`) is a sibling of the command before it."""
    root = build_parser()
    shown, parent = [], None
    for row in SECTION.splitlines():
        if not row.startswith("| `"):
            continue
        first_cell = re.split(r"(?<!\\)\|", row)[1]
        for span in re.findall(r"`([^`]+)`", first_cell):
            words = span.replace("\\|", "|").split()
            if words[0] == "ucj":
                path, parser = walk(root, words[1:])
                parent = path[:-1]
            else:
                assert parent is not None, f"{span!r} follows no `ucj ...` command"
                path, parser = walk(root, parent + words)
                assert len(path) == len(parent) + 1, f"`{span}`: no such subcommand of ucj {' '.join(parent)}"
            assert path, f"`{span}`: no such ucj command"
            shown.append((span, path, parser))
    return shown


SHOWN = shown_commands()


@pytest.mark.parametrize("span, path, parser", SHOWN, ids=[span for span, _, _ in SHOWN])
def test_every_option_shown_is_one_the_command_takes(span, path, parser):
    unknown = [flag for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", span) if flag not in options(parser)]
    assert not unknown, f"README shows `{span}`, but `ucj {' '.join(path)}` has no {', '.join(unknown)}"


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    children = subcommands(parser)
    if not children or path and parser.get_default("run") is not None:  # runs by itself (`ucj notifier`)
        yield path
    for name, child in children.items():
        yield from leaves(child, (*path, name))


def test_every_command_is_in_the_table():
    listed = {tuple(path) for _, path, _ in SHOWN}
    missing = [" ".join(path) for path in leaves(build_parser()) if path and path not in listed]
    assert not missing, "README's Commands table lacks: " + ", ".join(f"ucj {m}" for m in missing)
