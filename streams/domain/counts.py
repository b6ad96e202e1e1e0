"""Active participant counts per region, and their roll-up to every ancestor region."""

from __future__ import annotations

from collections import Counter
from typing import Generic, Hashable, Iterable, Mapping, TypeVar

from .fold import Contribution
from .regions import RegionTree

Breakdown = tuple[str, str]  # (segment, funding)
Counted = TypeVar("Counted", bound=Hashable)  # what a participant is counted as: a Contribution, a CliffContribution


class ActiveCounts(Generic[Counted]):
    """Counts of active participants by contribution, kept for one partition of participants.

    Derived from participant state and rebuilt from it, so it is never stored on its own.
    """

    def __init__(self) -> None:
        self._counts: Counter[Counted] = Counter()

    def move(self, before: Counted | None, after: Counted | None, participants: int = 1) -> None:
        if before == after:
            return
        if before is not None:
            self._counts[before] -= participants
            if not self._counts[before]:
                del self._counts[before]
        if after is not None:
            self._counts[after] += participants

    def items(self) -> Iterable[tuple[Counted, int]]:
        return self._counts.items()

    def total(self) -> int:
        return sum(self._counts.values())


def roll_up(counts: Iterable[tuple[Contribution, int]], tree: RegionTree) -> dict[str, Counter[Breakdown]]:
    """Per region: active participants of the region and all its sub-regions, by breakdown."""
    own: dict[str, Counter[Breakdown]] = {}  # the same region's counts of every partition summed first
    for contribution, count in counts:
        breakdowns = own.get(contribution.region_code)
        if breakdowns is None:
            breakdowns = own[contribution.region_code] = Counter()
        breakdowns[contribution.segment, contribution.funding] += count
    totals: dict[str, Counter[Breakdown]] = {}
    for region_code, breakdowns in own.items():
        for code in tree.self_and_ancestors(region_code):
            total = totals.get(code)
            if total is None:
                totals[code] = Counter(breakdowns)
            else:
                total.update(breakdowns)
    return totals


def merged(partitions: Iterable[ActiveCounts[Contribution]]) -> Counter[Contribution]:
    total: Counter[Contribution] = Counter()
    for counts in partitions:
        for contribution, count in counts.items():
            total[contribution] += count
    return total


def workforce_of(code: str, own_figures: Mapping[str, int], tree: RegionTree) -> int | None:
    """A region's own figure, else the sum of its children's when every child has one."""
    if code in own_figures:
        return own_figures[code]
    children = tree.children_of(code)
    if not children:
        return None
    figures = [workforce_of(child, own_figures, tree) for child in children]
    known = [f for f in figures if f is not None]
    return sum(known) if len(known) == len(figures) else None
