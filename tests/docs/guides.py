"""The README and the guides under docs/, for the tests that keep them true.

The README is the front page; the rest moved into one guide per reader (docs/*.md). A test
that checks a section finds it in whichever of them holds it, so text can move between them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
GUIDES = [README, *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = ROOT / "docs" / "examples"


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The section under `heading` (a whole heading line, e.g. "## Notifier"), up to the next
    heading of the same or a higher level, from the one guide that has it."""
    level = len(heading) - len(heading.lstrip("#"))
    found = [(path, text(path)) for path in GUIDES if re.search(f"^{re.escape(heading)}$", text(path), re.MULTILINE)]
    assert len(found) == 1, (
        f"{heading!r} is in {[str(path.relative_to(ROOT)) for path, _ in found] or 'no guide'}, not in exactly one"
    )
    body = found[0][1]
    start = re.search(f"^{re.escape(heading)}$", body, re.MULTILINE).start()
    end = re.compile(f"^#{{1,{level}}} ", re.MULTILINE).search(body, start + len(heading))
    return body[start : end.start() if end else len(body)]


def code_blocks(body: str, languages: tuple[str, ...] = ("sh",)) -> list[str]:
    """The fenced code blocks of `body` in one of `languages` (```sh ... ```)."""
    return [
        match.group(2)
        for match in re.finditer(r"^ *```(\w*)\n(.*?)^ *```$", body, re.MULTILINE | re.DOTALL)
        if match.group(1) in languages
    ]
