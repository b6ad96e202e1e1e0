"""Participant events, schema ucj.participant-event/1, as immutable values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

SCHEMA = "ucj.participant-event/1"
SEGMENTS = frozenset({"PU", "BPU", "JAKON", "PMI"})
LAPSE_REASONS = frozenset({"non_payment", "employment_ended", "deceased", "moved_out", "other"})

# Dates are taken in Asia/Pontianak, which has no daylight saving time.
PONTIANAK = timezone(timedelta(hours=7), "WIB")


def local_date(moment: datetime) -> date:
    return moment.astimezone(PONTIANAK).date()


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantEvent:
    event_id: str
    occurred_at: datetime
    participant_id: str
    region_code: str
    segment: str
    source: str

    @property
    def fold_key(self) -> tuple[datetime, str, str]:
        """The design note's fold order, (occurred_at, event_id), then the source: an event is
        known by its source and event_id (issue 21), so two sources' events with one id both
        count, and sort the same whatever order they arrive in."""
        return (self.occurred_at, self.event_id, self.source)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantEnrolled(ParticipantEvent):
    covered_from: date
    paid_through: date


@dataclass(frozen=True, slots=True, kw_only=True)
class AssistancePaid(ParticipantEvent):
    payer_id: str
    period_start: date
    period_end: date
    amount_idr: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantLapsed(ParticipantEvent):
    reason: str
    effective_date: date


WIRE_TYPES: dict[str, type[ParticipantEvent]] = {
    "enrollment": ParticipantEnrolled,
    "assistance_payment": AssistancePaid,
    "lapse": ParticipantLapsed,
}
TYPE_NAMES = {cls: name for name, cls in WIRE_TYPES.items()}


def type_name(event: ParticipantEvent) -> str:
    return TYPE_NAMES[type(event)]


def to_wire(event: ParticipantEvent) -> dict[str, Any]:
    """The JSON object of the event, with every default filled in."""
    wire = {"schema": SCHEMA, "type": type_name(event)}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        wire[name] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return wire
