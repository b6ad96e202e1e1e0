"""What a participant's state keeps next to its history, so that the common event costs the same
however long the history is (issue 11): the merged coverage and where the greatest fold key is.

An event whose (occurred_at, event_id) comes after every known one, and whose event_id is new, is the last
event of the history once applied: the fold goes one step further from the kept coverage.
Any other event is applied to the history, which is folded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .events import ParticipantEvent
from .fold import Coverage, History, fold, fold_onto, merged

# (occurred_at, event_id) of a fold key: the source, its last part, only breaks ties between
# sources, and a tie goes the slow way (apply) anyway, so the kept state needs no source
Moment = tuple[datetime, str]


@dataclass(frozen=True, slots=True)
class Folded:
    coverage: Coverage  # merged(fold(history))
    last_key: Moment | None  # of the greatest fold key in the history, None when it is empty


NOTHING = Folded(Coverage((), None, None), None)


def folded(history: History) -> Folded:
    last = history.events[-1] if history.events else None
    return Folded(merged(fold(history)), None if last is None else (last.occurred_at, last.event_id))


def comes_last(summary: Folded, event: ParticipantEvent) -> bool:
    """Whether the event's fold key comes after every known one, whatever its source."""
    return summary.last_key is None or (event.occurred_at, event.event_id) > summary.last_key


def folded_onto(summary: Folded, event: ParticipantEvent) -> Folded:
    """folded(apply(history, event)), for an event that comes last and whose event_id is new."""
    return Folded(fold_onto(summary.coverage, event), (event.occurred_at, event.event_id))
