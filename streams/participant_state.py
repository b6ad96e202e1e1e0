"""Events applied to one participant's stored state, without reading its history when they can be.

An event whose fold key comes after every known one and whose event_id is surely new (the
common case: the next payment) goes one fold step further from the kept coverage and is
appended to the stored history as it is. Any other event (out of order, a redelivery, or an id
that may be known) decodes the history, is applied to it, and the history is folded again.
"""

from __future__ import annotations

from dataclasses import dataclass

from .codec import decode_state, decode_summary, encode_state, may_know, with_events
from .domain.events import ParticipantEvent
from .domain.fold import History, apply
from .domain.folded import NOTHING, Folded, comes_last, folded, folded_onto


@dataclass(frozen=True, slots=True)
class Update:
    before: Folded
    after: Folded
    value: bytes | None  # the new stored value; None when nothing changed
    applied: tuple[bool, ...]  # per event: applied, or else a duplicate


def updated(stored: bytes | None, partition: int, events: list[ParticipantEvent]) -> Update:
    """The participant's state after the events, or an exception if one of them cannot be folded."""
    before = NOTHING if stored is None else decode_summary(stored)[1]
    summary = before
    appended: list[ParticipantEvent] = []
    applied: list[bool] = []
    history: History | None = None  # decoded once an event needs it, then used for the rest
    for event in events:
        if history is None and _appends(stored, summary, appended, event):
            summary = folded_onto(summary, event)
            appended.append(event)
            applied.append(True)
            continue
        if history is None:
            history = History((decode_state(stored)[1].events if stored is not None else ()) + tuple(appended))
        after = apply(history, event)
        applied.append(after is not history)
        history = after
    if not any(applied):
        return Update(before, before, None, tuple(applied))
    if history is not None:
        summary = folded(history)
        value = encode_state(partition, history, summary)
    elif stored is None:
        value = encode_state(partition, History(tuple(appended)), summary)
    else:
        value = with_events(stored, partition, summary, appended)
    return Update(before, summary, value, tuple(applied))


def _appends(stored: bytes | None, summary: Folded, appended: list[ParticipantEvent], event: ParticipantEvent) -> bool:
    """Whether apply() would put the event last: it comes last and its event_id is surely new."""
    if not comes_last(summary, event) or any(e.event_id == event.event_id for e in appended):
        return False
    return stored is None or not may_know(stored, event.event_id)
