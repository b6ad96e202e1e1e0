"""What a participant's state keeps next to its history, so that the common event costs the same
however long the history is (issue 11): the merged coverage and the greatest fold key.

An event whose fold key comes after every known one, and whose event_id is new, is the last
event of the history once applied: the fold goes one step further from the kept coverage.
Any other event is applied to the history, which is folded again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .events import ParticipantEvent
from .fold import Coverage, History, fold, fold_onto, merged

FoldKey = tuple[datetime, str]


@dataclass(frozen=True, slots=True)
class Folded:
    coverage: Coverage  # merged(fold(history))
    last_key: FoldKey | None  # the greatest fold key in the history, None when it is empty


NOTHING = Folded(Coverage((), None, None), None)


def folded(history: History) -> Folded:
    return Folded(merged(fold(history)), history.events[-1].fold_key if history.events else None)


def comes_last(summary: Folded, event: ParticipantEvent) -> bool:
    """Whether the event's fold key comes after every known one."""
    return summary.last_key is None or event.fold_key > summary.last_key


def folded_onto(summary: Folded, event: ParticipantEvent) -> Folded:
    """folded(apply(history, event)), for an event that comes last and whose event_id is new."""
    return Folded(fold_onto(summary.coverage, event), event.fold_key)
