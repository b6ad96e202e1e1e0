"""Daily history of active participants per region, derived from participant state.

A participant is active on the days of the union of its intervals, counted in its current
region. Each partition keeps, per region, the changes of that count by day (+1 where a span
of active days starts, -1 the day after it ends), so the count on any day is a prefix sum.
The history is a function of the events alone: replaying them gives the same history, and
days of the past change when a late event changes them (a backdated lapse, say).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from .fold import Coverage

Span = tuple[date, date]  # first and last active day, inclusive
ONE_DAY = timedelta(days=1)


def active_spans(coverage: Coverage) -> tuple[Span, ...]:
    """The union of the coverage intervals as disjoint spans, in date order."""
    spans: list[list[date]] = []
    for interval in sorted(coverage.intervals, key=lambda i: (i.start, i.end)):
        if interval.start > interval.end:
            continue
        if spans and interval.start <= spans[-1][1] + ONE_DAY:
            spans[-1][1] = max(spans[-1][1], interval.end)
        else:
            spans.append([interval.start, interval.end])
    return tuple((start, end) for start, end in spans)


def _changes(added: Iterable[Span], removed: Iterable[Span]) -> dict[date, int]:
    """Changes of the count by day as spans are added and others removed; none where they cancel."""
    changes: dict[date, int] = {}
    for sign, spans in ((1, added), (-1, removed)):
        for start, end in spans:
            changes[start] = changes.get(start, 0) + sign
            after = end + ONE_DAY
            changes[after] = changes.get(after, 0) - sign
    return {day: change for day, change in changes.items() if change}


class DailyActive:
    """Per region: the day-by-day changes of the active count, for one partition."""

    def __init__(self) -> None:
        self._changes: dict[str, dict[date, int]] = {}
        self.changed_regions: set[str] = set()  # since the last take_changed_regions()

    def move(
        self,
        regions_before: Iterable[str],
        spans_before: Iterable[Span],
        regions_after: Iterable[str],
        spans_after: Iterable[Span],
        participants: int = 1,
    ) -> None:
        """Participants went from (regions, spans) before to after; regions include ancestors."""
        regions_before, regions_after = tuple(regions_before), tuple(regions_after)
        if regions_before == regions_after:  # the common case: the net change is a day or two
            self._add(regions_after, _changes(spans_after, spans_before), participants)
        else:
            self._add(regions_before, _changes((), spans_before), participants)
            self._add(regions_after, _changes(spans_after, ()), participants)

    def _add(self, regions: tuple[str, ...], changes: dict[date, int], participants: int) -> None:
        if not changes:
            return
        for region in regions:
            by_day = self._changes.get(region)
            if by_day is None:
                by_day = self._changes[region] = {}
            for day, change in changes.items():
                by_day[day] = by_day.get(day, 0) + change * participants
        self.changed_regions.update(regions)

    def counts(self, region: str, first_day: date, last_day: date) -> list[int]:
        """Active participants on each day from first_day to last_day."""
        changes = self._changes.get(region)
        days = (last_day - first_day).days + 1
        if not changes:
            return [0] * days
        running = 0
        by_offset = [0] * days
        for day, change in changes.items():
            if day <= first_day:
                running += change
            elif day <= last_day:
                by_offset[(day - first_day).days] += change
        result = []
        for change in by_offset:
            running += change
            result.append(running)
        return result

    def regions(self) -> list[str]:
        return [region for region, changes in self._changes.items() if any(changes.values())]

    def take_changed_regions(self) -> set[str]:
        changed, self.changed_regions = self.changed_regions, set()
        return changed
