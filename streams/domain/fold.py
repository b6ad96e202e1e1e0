"""One participant's state as a fold over its distinct events (design note, "The meaning of active").

A history keeps the distinct events in fold order, so the result does not depend on arrival
order or redelivery; coverage is then derived from the history by folding it in that order.
"""

from __future__ import annotations

import bisect
import enum
import json
from dataclasses import dataclass
from datetime import date, timedelta

from .events import AssistancePaid, ParticipantEnrolled, ParticipantEvent, ParticipantLapsed, to_wire

GRACE_DAYS = 90  # arrears can still be paid for this long after coverage ends


@dataclass(frozen=True, slots=True)
class History:
    """Distinct events of one participant, sorted by fold key, at most one per (source, event_id)."""

    events: tuple[ParticipantEvent, ...] = ()

    def __len__(self) -> int:
        return len(self.events)


def apply(history: History, event: ParticipantEvent) -> History:
    """Add one event; returns the same object when the event changes nothing (a redelivery)."""
    events = history.events
    for index, known in enumerate(events):
        if known.event_id == event.event_id and known.source == event.source:
            # The same source and id mean the same event: one source can never replace another's.
            # If a source sent different bodies under one id, keep the canonically smallest so
            # the outcome still ignores arrival order.
            if known == event or _canonical(known) <= _canonical(event):
                return history
            events = events[:index] + events[index + 1 :]
            break
    keys = [e.fold_key for e in events]
    position = bisect.bisect_right(keys, event.fold_key)
    return History(events[:position] + (event,) + events[position:])


def _canonical(event: ParticipantEvent) -> str:
    return json.dumps(to_wire(event), sort_keys=True)


@dataclass(frozen=True, slots=True)
class Interval:
    start: date
    end: date  # inclusive
    payer_id: str | None  # set when an assistance payment paid for it

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Coverage:
    intervals: tuple[Interval, ...]
    region_code: str | None
    segment: str | None


def fold(history: History) -> Coverage:
    intervals: list[Interval] = []
    region_code = segment = None
    for event in history.events:
        intervals = _step(intervals, event)
        # the last event in fold order, of any type, gives region and segment
        region_code, segment = event.region_code, event.segment
    return Coverage(tuple(intervals), region_code, segment)


def _step(intervals: list[Interval], event: ParticipantEvent) -> list[Interval]:
    """The intervals after one more event in fold order."""
    if isinstance(event, ParticipantEnrolled):
        intervals.append(Interval(event.covered_from, event.paid_through, None))
    elif isinstance(event, AssistancePaid):
        intervals.append(Interval(event.period_start, event.period_end, event.payer_id))
    elif isinstance(event, ParticipantLapsed):
        last_day = event.effective_date - timedelta(days=1)
        return [Interval(i.start, min(i.end, last_day), i.payer_id) for i in intervals if i.start <= last_day]
    return intervals


def merged(coverage: Coverage) -> Coverage:
    """The same coverage with each payer's overlapping and adjacent intervals joined, in a fixed order.

    Every question asked of coverage (standing_on, is_assisted_on, contribution_on, cliff_on,
    active_spans) depends only on the days each payer covers and on the greatest end before a
    day, which joining keeps: ten years of monthly payments become one interval. An interval
    that ends before it starts covers no day but its end still counts for grace, so it stays.
    """
    joined: list[Interval] = []
    last_of: dict[str | None, int] = {}  # payer -> index in joined of its latest interval
    for interval in sorted(coverage.intervals, key=_order):
        payer = interval.payer_id
        at = last_of.get(payer) if interval.start <= interval.end else None
        if at is not None and (interval.start - joined[at].end).days <= 1:
            if interval.end > joined[at].end:
                joined[at] = Interval(joined[at].start, interval.end, payer)
            continue
        if interval.start <= interval.end:
            last_of[payer] = len(joined)
        joined.append(interval)
    return Coverage(tuple(sorted(joined, key=_order)), coverage.region_code, coverage.segment)


def _order(interval: Interval) -> tuple[date, date, bool, str]:
    return interval.start, interval.end, interval.payer_id is not None, interval.payer_id or ""


def fold_onto(coverage: Coverage, event: ParticipantEvent) -> Coverage:
    """One more fold step on merged coverage, for an event after every event folded into it.

    merged(fold(history + event)) == fold_onto(merged(fold(history)), event): a lapse clips
    a joined interval exactly as it clips each of its parts.
    """
    return merged(Coverage(tuple(_step(list(coverage.intervals), event)), event.region_code, event.segment))


class Standing(enum.Enum):
    ACTIVE = "active"
    GRACE = "grace"  # not active, last interval ended within GRACE_DAYS: arrears can be paid
    ENDED = "ended"
    NOT_STARTED = "not_started"  # no interval has started yet (or none at all)


def standing_on(coverage: Coverage, day: date) -> Standing:
    if any(i.covers(day) for i in coverage.intervals):
        return Standing.ACTIVE
    past_ends = [i.end for i in coverage.intervals if i.end < day]
    if not past_ends:
        return Standing.NOT_STARTED
    return Standing.GRACE if (day - max(past_ends)).days <= GRACE_DAYS else Standing.ENDED


def is_assisted_on(coverage: Coverage, day: date) -> bool:
    return any(i.payer_id is not None and i.covers(day) for i in coverage.intervals)


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one active participant adds to the counts of its region on a day."""

    region_code: str
    segment: str
    funding: str  # "assisted" or "self_paid"


def contribution_on(coverage: Coverage, day: date) -> Contribution | None:
    region_code, segment = coverage.region_code, coverage.segment
    if region_code is None or segment is None or standing_on(coverage, day) is not Standing.ACTIVE:
        return None  # region and segment come from the same (last) event: both set or neither
    funding = "assisted" if is_assisted_on(coverage, day) else "self_paid"
    return Contribution(region_code, segment, funding)
