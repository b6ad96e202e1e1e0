"""Every relative link of the README and the guides leads to a file that exists, and every anchor
to a heading of that file (GitHub's slugs), so text moved between guides leaves no dead link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.guides import GUIDES, ROOT, text


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped but hyphens, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    prose = re.sub(r"^ *```.*?^ *```$", "", text(path), flags=re.MULTILINE | re.DOTALL)
    return {slug(heading) for heading in re.findall(r"^#+ (.+)$", prose, re.MULTILINE)}


LINKS = [
    (guide, target)
    for guide in GUIDES
    for target in re.findall(
        r"\]\(([^)\s]+)\)", re.sub(r"^ *```.*?^ *```$", "", text(guide), flags=re.MULTILINE | re.DOTALL)
    )
    if not re.match(r"[a-z]+:", target)
]


@pytest.mark.parametrize("guide, target", LINKS, ids=[f"{g.relative_to(ROOT)} -> {t}" for g, t in LINKS])
def test_every_link_leads_somewhere(guide, target):
    file, _, anchor = target.partition("#")
    destination = (guide.parent / file).resolve() if file else guide
    assert destination.exists(), f"{guide.relative_to(ROOT)} links to {target}, which does not exist"
    if anchor:
        assert anchor in anchors(destination), f"{guide.relative_to(ROOT)} links to {target}: no such heading"
