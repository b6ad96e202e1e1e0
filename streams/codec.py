"""Participant state as bytes, for the participant table.

Version 1, mostly MessagePack (msgspec):
- 9 bytes: the version (1), the length of the head and the number of events, little-endian;
- the head: [partition, [occurred_at, event_id] of the greatest fold key or nil, region, segment,
  [[start, end, payer] of each interval of the merged coverage]];
- the CRC-32 of each event's event_id, 4 bytes each, in fold order;
- the history: one array per event, in fold order, back to back: its type, then its fields in
  declaration order.
Dates are day ordinals, datetimes [UTC epoch microseconds, UTC offset in microseconds].
An event after every known one is appended without reading the history, whether its id may be
known already is a search among 4-byte checksums, and counts are rebuilt from the head alone.
The head is derived from the history: a change to the fold can bump VERSION and read older
versions by folding their history again, as version 0 is read, rather than need a replay.

Version 0, before issue 11, is compact JSON {"p": partition, "e": [[type, fields...], ...]}:
still read, never written.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import fields
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from operator import attrgetter
from typing import Any, Callable

import msgspec

from .domain.events import WIRE_TYPES, ParticipantEvent
from .domain.fold import Coverage, History, Interval
from .domain.folded import Folded, folded

VERSION = 1
_PREFIX = struct.Struct("<BII")  # version, length of the head, number of events
_ID = struct.Struct("<I")  # CRC-32 of an event_id
_JSON = ord("{")  # version 0 has no version byte: it is a JSON object
_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder()
# the head: partition, greatest fold key, region, segment, merged intervals; as tuples, checked as read
Head = tuple[int, tuple[tuple[int, int], str] | None, str | None, str | None, tuple[tuple[int, int, str | None], ...]]
_HEAD_DECODER: msgspec.msgpack.Decoder[Head] = msgspec.msgpack.Decoder(Head)
_ARRAY32 = b"\xdd"  # MessagePack array with a 32-bit big-endian length: the history as one array

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_LOCAL_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_OFFSETS: dict[timezone, int] = {}  # UTC offset in microseconds of each fixed-offset zone seen

_TYPES = list(WIRE_TYPES.values())
# per type: its fields in declaration order, and the class of each (date, datetime, or None for any other)
_KINDS: dict[object, type] = {"date": date, "datetime": datetime}  # annotations are strings here (PEP 563)
_FIELDS = {cls: [(f.name, _KINDS.get(f.type)) for f in fields(cls)] for cls in _TYPES}


def encode_state(partition: int, history: History, summary: Folded | None = None) -> bytes:
    """`summary` is folded(history), when the caller has it already."""
    summary = folded(history) if summary is None else summary
    events = history.events
    return _joined(
        partition, summary, len(events), [_id(e.event_id) for e in events], [_ENCODER.encode(_row(e)) for e in events]
    )


def with_events(data: bytes, partition: int, summary: Folded, events: list[ParticipantEvent]) -> bytes:
    """State in this version with events appended to its history, without reading the history.

    The events come after every known one and have new ids; `summary` includes them.
    """
    ids_at, history_at, size = _layout(data)
    view = memoryview(data)
    ids = [view[ids_at:history_at], *(_id(e.event_id) for e in events)]
    return _joined(
        partition, summary, size + len(events), ids, [view[history_at:], *(_ENCODER.encode(_row(e)) for e in events)]
    )


def decode_state(data: bytes) -> tuple[int, History]:
    if data[0] == _JSON:
        obj = json.loads(data)
        return obj["p"], History(tuple(_event(values, _JSON_READS) for values in obj["e"]))
    ids_at, history_at, size = _layout(data)
    rows = _DECODER.decode(_ARRAY32 + size.to_bytes(4, "big") + memoryview(data)[history_at:])
    return _head(data, ids_at)[0], History(tuple(_event(row, _READS) for row in rows))


def decode_summary(data: bytes) -> tuple[int, Folded]:
    """Partition and folded history, read from the head alone (folded again from version 0)."""
    if data[0] == _JSON:
        partition, history = decode_state(data)
        return partition, folded(history)
    partition, key, region_code, segment, intervals = _head(data, _layout(data)[0])
    return partition, Folded(
        coverage_of((region_code, segment, intervals)), None if key is None else (_moment(key[0]), key[1])
    )


# the merged coverage as plain values: region, segment, ((start, end, payer), ...) with day ordinals
CoverageKey = tuple[str | None, str | None, tuple[tuple[int, int, str | None], ...]]


def decode_coverage_key(data: bytes) -> tuple[int, CoverageKey]:
    """Partition and merged coverage as plain values, equal for participants whose coverage is equal:
    read from the head alone, without building a Coverage (folded again from version 0)."""
    if data[0] == _JSON:
        partition, summary = decode_summary(data)
        c = summary.coverage
        return partition, (
            c.region_code,
            c.segment,
            tuple((i.start.toordinal(), i.end.toordinal(), i.payer_id) for i in c.intervals),
        )
    partition, _, region_code, segment, intervals = _head(data, _layout(data)[0])
    return partition, (region_code, segment, intervals)


def coverage_of(key: CoverageKey) -> Coverage:
    region_code, segment, intervals = key
    fromordinal = date.fromordinal
    return Coverage(
        tuple([Interval(fromordinal(start), fromordinal(end), payer) for start, end, payer in intervals]),
        region_code,
        segment,
    )


def may_know(data: bytes, event_id: str) -> bool:
    """False only when the history surely has no event with this id.

    Looks for the id's checksum among those of the history; a rare false hit (the same
    checksum, or one read across two) only sends the event the slow way. Always True for
    version 0, whose state is then rewritten from its history.
    """
    if data[0] == _JSON:
        return True
    ids_at, history_at, _ = _layout(data)
    return data.find(_id(event_id), ids_at, history_at) >= 0


def _joined(partition: int, summary: Folded, size: int, ids: list[Any], history: list[Any]) -> bytes:
    coverage, key = summary.coverage, summary.last_key
    head = _ENCODER.encode(
        [
            partition,
            None if key is None else [_micros(key[0]), key[1]],
            coverage.region_code,
            coverage.segment,
            [[i.start.toordinal(), i.end.toordinal(), i.payer_id] for i in coverage.intervals],
        ]
    )
    return b"".join([_PREFIX.pack(VERSION, len(head), size), head, *ids, *history])


def _layout(data: bytes) -> tuple[int, int, int]:
    """Where the ids and the history start, and how many events there are."""
    version, head_length, size = _PREFIX.unpack_from(data)
    if version != VERSION:
        raise ValueError(f"participant state version {version} is unknown: this worker reads versions 0 to {VERSION}")
    ids_at = _PREFIX.size + head_length
    return ids_at, ids_at + _ID.size * size, size


def _head(data: bytes, ids_at: int) -> Head:
    return _HEAD_DECODER.decode(memoryview(data)[_PREFIX.size : ids_at])


def _id(event_id: str) -> bytes:
    return _ID.pack(zlib.crc32(event_id.encode()))


def _row(event: ParticipantEvent) -> list[Any]:
    index, values, writes = _WRITES[type(event)]
    row = [index, *values(event)]
    for at, write in writes:
        row[at] = write(row[at])
    return row


def _event(row: list[Any], reads: dict[Any, Any]) -> ParticipantEvent:
    """Rebuild an event that was validated before it was stored."""
    cls: type[ParticipantEvent] = _TYPES[row[0]]
    return cls(**{name: read(value) if read else value for (name, read), value in zip(reads[cls], row[1:])})


def _micros(moment: datetime) -> list[int]:
    zone = moment.tzinfo
    offset = _OFFSETS.get(zone) if type(zone) is timezone else None
    if offset is None:
        utcoffset = moment.utcoffset()
        if utcoffset is None:
            raise ValueError("a participant event's moment has no UTC offset")
        offset = utcoffset // _MICROSECOND
        if type(zone) is timezone and len(_OFFSETS) < 64:  # fixed offsets: a handful in practice
            _OFFSETS[zone] = offset
    # in integers: a quarter of the time of datetime arithmetic, on every event written
    seconds = (moment.toordinal() - _EPOCH_ORDINAL) * 86_400 + moment.hour * 3_600 + moment.minute * 60 + moment.second
    return [seconds * 1_000_000 + moment.microsecond - offset, offset]


def _moment(pair: tuple[int, int] | list[int]) -> datetime:
    micros, offset = pair
    # via local time, which is in range whenever the moment was: UTC may not be (0001-01-01 at +07:00)
    return (_LOCAL_EPOCH + (micros + offset) * _MICROSECOND).replace(tzinfo=_zone(offset))


@lru_cache(maxsize=64)  # a handful of offsets in practice; bounded whatever producers send
def _zone(offset: int) -> timezone:
    return timezone(offset * _MICROSECOND)


_WRITE = {date: date.toordinal, datetime: _micros}
_READ: dict[type, Callable[[Any], Any]] = {date: date.fromordinal, datetime: _moment}
_READ_ISO: dict[type, Callable[[str], Any]] = {date: date.fromisoformat, datetime: datetime.fromisoformat}
# per type: its index, a getter of its fields, and where in the row a date or datetime is written how
_WRITES = {
    cls: (
        index,
        attrgetter(*(name for name, _ in _FIELDS[cls])),
        [(at, _WRITE[kind]) for at, (_, kind) in enumerate(_FIELDS[cls], 1) if kind],
    )
    for index, cls in enumerate(_TYPES)
}
# per type: each field's name, and how to read it back (None: as it is), in version 1 and in version 0
_READS = {cls: [(name, None if kind is None else _READ[kind]) for name, kind in _FIELDS[cls]] for cls in _TYPES}
_JSON_READS = {
    cls: [(name, None if kind is None else _READ_ISO[kind]) for name, kind in _FIELDS[cls]] for cls in _TYPES
}
