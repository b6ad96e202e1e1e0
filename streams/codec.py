"""Participant state as bytes, for the participant table.

Compact JSON: each event is a positional array (type, then its fields in declaration order).
The stored value also names the partition the participant belongs to, so in-memory counts
can be rebuilt per partition from any store.
"""
from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, datetime

from .domain.events import WIRE_TYPES, ParticipantEvent
from .domain.fold import History

_TYPES = list(WIRE_TYPES.values())
_TYPE_INDEX = {cls: index for index, cls in enumerate(_TYPES)}
# per type: (field name, how to read it back) in declaration order
_FIELDS = {
    cls: [(f.name, datetime.fromisoformat if f.type == "datetime" else date.fromisoformat if f.type == "date" else None) for f in fields(cls)]
    for cls in _TYPES
}


def encode_state(partition: int, history: History) -> bytes:
    events = [[_TYPE_INDEX[type(e)], *(_plain(getattr(e, name)) for name, _ in _FIELDS[type(e)])] for e in history.events]
    return json.dumps({"p": partition, "e": events}, separators=(",", ":")).encode()


def decode_state(data: bytes) -> tuple[int, History]:
    obj = json.loads(data)
    return obj["p"], History(tuple(_event(values) for values in obj["e"]))


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value  # datetime is a date too


def _event(values: list) -> ParticipantEvent:
    """Rebuild an event that was validated before it was stored."""
    cls = _TYPES[values[0]]
    return cls(**{name: read(value) if read else value for (name, read), value in zip(_FIELDS[cls], values[1:])})
