"""Participant state as bytes, for the participant table.

Version 1, MessagePack (msgspec) behind a version byte:
- byte 0: the version, 1;
- bytes 1-4: the length of the head, unsigned little-endian;
- the head: [partition, history length, the greatest fold key [occurred_at, event_id] or nil,
  region, segment, [[start, end, payer] of each interval of the merged coverage]];
- the history: one array per event, in fold order, back to back: its type, then its fields in
  declaration order.
Dates are day ordinals, datetimes UTC epoch microseconds then the UTC offset in microseconds.
An event after every known one is appended without reading the history, and counts are
rebuilt from the head alone.

Version 0, before issue 11, is compact JSON {"p": partition, "e": [[type, fields...], ...]}:
still read, never written.
"""
from __future__ import annotations

import json
import struct
from dataclasses import fields
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from operator import attrgetter
from typing import Iterable

import msgspec

from .domain.events import WIRE_TYPES, ParticipantEvent
from .domain.fold import Coverage, History, Interval
from .domain.folded import Folded, folded

VERSION = 1
_PREFIX = struct.Struct("<BI")  # version, length of the head
_JSON = ord("{")  # version 0 has no version byte: it is a JSON object
_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder()
_ARRAY32 = b"\xdd"  # MessagePack array with a 32-bit big-endian length: the history as one array

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_LOCAL_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)

_TYPES = list(WIRE_TYPES.values())
_TYPE_INDEX = {cls: index for index, cls in enumerate(_TYPES)}
# per type: its fields in declaration order, and how each is written: date, datetime or as it is
_FIELDS = {cls: [(f.name, {"date": date, "datetime": datetime}.get(f.type)) for f in fields(cls)] for cls in _TYPES}
_GETTERS = {cls: attrgetter(*(name for name, _ in _FIELDS[cls])) for cls in _TYPES}


def encode_state(partition: int, history: History, summary: Folded | None = None) -> bytes:
    """`summary` is folded(history), when the caller has it already."""
    summary = folded(history) if summary is None else summary
    return _joined(partition, summary, [_ENCODER.encode(_row(event)) for event in history.events])


def with_events(data: bytes, partition: int, summary: Folded, events: Iterable[ParticipantEvent]) -> bytes:
    """State in this version with events appended to its history, without reading the history.

    The events come after every known one and have new ids; `summary` includes them.
    """
    history_at = _history_at(data)
    return _joined(partition, summary, [memoryview(data)[history_at:], *(_ENCODER.encode(_row(e)) for e in events)])


def decode_state(data: bytes) -> tuple[int, History]:
    if data[0] == _JSON:
        obj = json.loads(data)
        return obj["p"], History(tuple(_event(values, _json_value) for values in obj["e"]))
    head = _head(data)
    rows = _DECODER.decode(_ARRAY32 + head[1].to_bytes(4, "big") + memoryview(data)[_history_at(data) :])
    return head[0], History(tuple(_event(row, _read) for row in rows))


def decode_summary(data: bytes) -> tuple[int, Folded]:
    """Partition and folded history, read from the head alone (folded again from version 0)."""
    if data[0] == _JSON:
        partition, history = decode_state(data)
        return partition, folded(history)
    partition, size, key, region_code, segment, intervals = _head(data)
    coverage = Coverage(
        tuple(Interval(date.fromordinal(start), date.fromordinal(end), payer) for start, end, payer in intervals),
        region_code,
        segment,
    )
    return partition, Folded(coverage, size, None if key is None else (_moment(key[0], key[1]), key[2]))


def may_know(data: bytes, event_id: str) -> bool:
    """False only when the history surely has no event with this id.

    Looks for the id as MessagePack writes it: an id in the history is there byte for byte,
    and a rare false hit only sends the event the slow way. Always True for version 0,
    whose state is then rewritten from its history.
    """
    return data[0] == _JSON or data.find(_ENCODER.encode(event_id), _history_at(data)) >= 0


def _joined(partition: int, summary: Folded, history: list) -> bytes:
    coverage, key = summary.coverage, summary.last_key
    encoded = _ENCODER.encode(
        [
            partition,
            summary.size,
            None if key is None else [*_micros(key[0]), key[1]],
            coverage.region_code,
            coverage.segment,
            [[i.start.toordinal(), i.end.toordinal(), i.payer_id] for i in coverage.intervals],
        ]
    )
    return b"".join([_PREFIX.pack(VERSION, len(encoded)), encoded, *history])


def _history_at(data: bytes) -> int:
    version, length = _PREFIX.unpack_from(data)
    if version != VERSION:
        raise ValueError(f"participant state version {version} is unknown: this worker reads versions 0 to {VERSION}")
    return _PREFIX.size + length


def _head(data: bytes) -> list:
    return _DECODER.decode(memoryview(data)[_PREFIX.size : _history_at(data)])


def _row(event: ParticipantEvent) -> list:
    cls = type(event)
    row = [_TYPE_INDEX[cls]]
    for (_, kind), value in zip(_FIELDS[cls], _GETTERS[cls](event)):
        if kind is None:
            row.append(value)
        elif kind is date:
            row.append(value.toordinal())
        else:
            row += _micros(value)
    return row


def _event(values: list, read) -> ParticipantEvent:
    """Rebuild an event that was validated before it was stored."""
    cls = _TYPES[values[0]]
    items = iter(values[1:])
    return cls(**{name: read(kind, items) for name, kind in _FIELDS[cls]})


def _read(kind, items):
    value = next(items)
    if kind is None:
        return value
    return date.fromordinal(value) if kind is date else _moment(value, next(items))


def _json_value(kind, items):
    value = next(items)
    return kind.fromisoformat(value) if kind else value


def _micros(moment: datetime) -> tuple[int, int]:
    return (moment - _EPOCH) // _MICROSECOND, moment.utcoffset() // _MICROSECOND


def _moment(micros: int, offset: int) -> datetime:
    # via local time, which is in range whenever the moment was: UTC may not be (0001-01-01 at +07:00)
    return (_LOCAL_EPOCH + (micros + offset) * _MICROSECOND).replace(tzinfo=_zone(offset))


@lru_cache(maxsize=64)  # a handful of offsets in practice; bounded whatever producers send
def _zone(offset: int) -> timezone:
    return timezone(offset * _MICROSECOND)
