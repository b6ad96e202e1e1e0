"""The README's "## Commands" table shows only commands and options the real `ucj` parser has,
and lists every command it has: a removed flag (as `dashboards push --token` was) or a new
command (as `ucj kafka credentials` was) fails here instead of going stale in the README.
Every `ucj ...` command in a code block of the README or a guide (docs/*.md) parses with the
real parser, and every `ucj ...` code span in their text names a real command and its options."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex

import pytest

from services.cli import build_parser
from tests.docs.guides import GUIDES, ROOT, code_blocks, section, text

SECTION = section("## Commands")


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


def commands_in(block: str) -> list[list[str]]:
    """The words of each `ucj` command of a shell block: continuations joined, comments dropped,
    split at `;`, `&`, `|`, parentheses and command substitutions, leading VAR=value skipped."""
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        line = re.sub(r'"?\$\(|\)"?', " ; ", line)
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split, lexer.commenters = True, "#"
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token and set(token) <= set(";&|()<>"):
                while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
                    words.pop(0)
                if words and words[0] == "ucj":
                    commands.append(words[1:])
                words = []
            else:
                words.append(token)
    return commands


SHOWN_IN_BLOCKS = [
    (path.relative_to(ROOT).as_posix(), words)
    for path in GUIDES
    for block in code_blocks(text(path), ("sh", "bash", "console", ""))
    for words in commands_in(block)
]


def test_the_guides_show_commands():
    assert len(SHOWN_IN_BLOCKS) > 20 and {"README.md", "docs/registration-systems.md", "docs/operators.md"} <= {
        guide for guide, _ in SHOWN_IN_BLOCKS
    }


@pytest.mark.parametrize(
    "guide, words", SHOWN_IN_BLOCKS, ids=[f"{guide}: ucj {' '.join(words)}" for guide, words in SHOWN_IN_BLOCKS]
)
def test_every_command_in_a_code_block_parses(guide, words):
    error = io.StringIO()
    with contextlib.redirect_stderr(error):
        try:
            args = build_parser().parse_args(words)
        except SystemExit as exit:
            pytest.fail(
                f"{guide} shows `ucj {shlex.join(words)}`, which the parser refuses ({exit.code}): {error.getvalue().strip()}"
            )
    assert getattr(args, "run", None) is not None, f"{guide} shows `ucj {shlex.join(words)}`, which runs nothing"


def spans_in_text(body: str) -> list[str]:
    """`ucj ...` code spans outside fenced blocks and outside the Commands table's first column."""
    prose = re.sub(r"^```.*?^```$", "", body, flags=re.MULTILINE | re.DOTALL)
    return [span.replace("\\|", "|") for span in re.findall(r"`(ucj [^`]+)`", prose)]


SPANS = [(path.relative_to(ROOT).as_posix(), span) for path in GUIDES for span in spans_in_text(text(path))]


@pytest.mark.parametrize("guide, span", SPANS, ids=[f"{guide}: {span}" for guide, span in SPANS])
def test_every_command_in_the_text_is_real(guide, span):
    words = span.split()[1:]
    path, parser = walk(build_parser(), words)
    assert path, f"{guide} shows `{span}`: no such ucj command"
    unknown = [flag for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", span) if flag not in options(parser)]
    assert not unknown, f"{guide} shows `{span}`, but `ucj {' '.join(path)}` has no {', '.join(unknown)}"
