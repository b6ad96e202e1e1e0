"""Participant state as bytes, for the participant table.

The stored value also names the partition the participant belongs to, so in-memory counts
can be rebuilt per partition from any store.
"""
from __future__ import annotations

import json
from datetime import date, datetime

from .domain.events import WIRE_TYPES, ParticipantEvent, to_wire
from .domain.fold import History

_DATE_FIELDS = {"covered_from", "paid_through", "period_start", "period_end", "effective_date"}


def encode_state(partition: int, history: History) -> bytes:
    return json.dumps(
        {"p": partition, "events": [to_wire(e) for e in history.events]}, separators=(",", ":")
    ).encode()


def decode_state(data: bytes) -> tuple[int, History]:
    obj = json.loads(data)
    return obj["p"], History(tuple(_event_from_wire(e) for e in obj["events"]))


def _event_from_wire(wire: dict) -> ParticipantEvent:
    """Rebuild an event that was validated before it was stored."""
    cls = WIRE_TYPES[wire["type"]]
    fields = {}
    for name in cls.__dataclass_fields__:
        value = wire[name]
        if name == "occurred_at":
            value = datetime.fromisoformat(value)
        elif name in _DATE_FIELDS:
            value = date.fromisoformat(value)
        fields[name] = value
    return cls(**fields)
