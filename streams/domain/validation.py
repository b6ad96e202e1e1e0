"""The one validation function: raw bytes in, an event or a machine-readable rejection out.

An accepted event is schema v1 (design note, "Events") within these bounds, so that every
accepted event can be folded and no field can grow a label set or a message without limit:
- the raw event is at most MAX_EVENT_BYTES of strict JSON (no NaN or Infinity, no duplicate
  keys, no unpaired surrogates), and one object;
- every string in it, object keys included, at any depth, is at most MAX_TEXT_LENGTH
  characters; event_id and participant_id at most MAX_ID_LENGTH;
- no NIK-shaped value (streams.domain.nik: any digits, any spacing, glued to other digits)
  anywhere: not in the raw text (which covers numbers as written, and reads its escapes), nor
  in any string or key of the object after JSON decoding, at any depth, and no `nik` field.
  A NIK is turned into a participant_id at the edge (streams.domain.edge), never published;
- every date, and the Pontianak date of occurred_at, lies in EARLIEST_DATE..LATEST_DATE, so
  the fold's date arithmetic (the day before a lapse, the day after a span) cannot overflow;
- source matches SOURCE_PATTERN; payer_id is APBD-<province or regency code>,
  APBDES-<village code> (codes in the region registry) or CSR-<name>; amount_idr is
  0..MAX_AMOUNT_IDR.
The bounds themselves are in streams.domain.bounds. Nearly every valid event is accepted by
the fast path (streams.domain.plain_event); the rest is read here, where each rejection is worded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Container, Iterator

from .bounds import (  # the bounds, named here too: validation is where the rest of the code looks for them
    EARLIEST_DATE,
    FUTURE_TOLERANCE,
    LATEST_DATE,
    MAX_AMOUNT_IDR,
    MAX_EVENT_BYTES,
    MAX_ID_LENGTH,
    MAX_SOURCE_LENGTH,
    MAX_TEXT_LENGTH,
    SOURCE_PATTERN,
    moment_in_range,
    payer_problem,
)
from .events import (
    LAPSE_REASONS,
    SCHEMA,
    SEGMENTS,
    WIRE_TYPES,
    AssistancePaid,
    ParticipantEnrolled,
    ParticipantEvent,
    ParticipantLapsed,
    local_date,
)
from .nik import contains_nik, mask_niks
from .plain_event import plain_event

MAX_DETAIL_LENGTH = 300
_SURROGATE = re.compile("[\ud800-\udfff]")

# Reasons parse_event gives.
PARSE_REASONS = (
    "too_large",  # the whole event is over MAX_EVENT_BYTES
    "not_json",
    "not_an_object",
    "too_long",  # a string or key is over MAX_TEXT_LENGTH
    "raw_nik",  # a NIK-shaped value, or a nik field: NIKs are pseudonymised before publishing
    "unsupported_schema",
    "unknown_type",
    "missing_field",
    "wrong_field_type",
    "empty_field",
    "bad_event_id",
    "bad_participant_id",
    "bad_source",
    "bad_timestamp",
    "bad_date",
    "date_out_of_range",
    "future_event",
    "unknown_region",
    "unknown_segment",
    "unknown_lapse_reason",
    "bad_interval",
    "bad_amount",
    "bad_payer_id",
)
# Reasons of the edge (the gateway, EventPublisher) for input it refuses before parse_event.
EDGE_REASONS = (
    "bad_nik",  # the nik field is not a well-formed NIK
    "nik_and_participant_id",  # both given: which one names the worker is unclear
    "participant_id_not_pseudonym",  # gateway: a participant_id that is not a pseudonym of the project's form
    "region_out_of_scope",  # gateway: outside the calling source's regions
    "source_mismatch",  # gateway: the body names another source than the key's
    "bad_csv_row",  # gateway: a CSV row that does not fit its header
)
PROCESSING_ERROR = "processing_error"  # worker: a valid event whose participant could not be folded
# worker: a scoped source's event for a participant it does not own (streams/domain/ownership.py)
NOT_OWNED = "participant_out_of_scope"
# Every reason a rejection can carry: one closed list, so usable as a metric label and in the gateway's API.
REASONS = PARSE_REASONS + EDGE_REASONS + (PROCESSING_ERROR, NOT_OWNED)


@dataclass(frozen=True, slots=True)
class Rejected:
    """Why an input was refused. The detail is logged, sent back to clients and kept in
    dead-letter headers, so every NIK-shaped value in it is masked, and it is kept short."""

    reason: str  # one of REASONS
    detail: str

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown rejection reason {self.reason!r}")
        # masked again after the cut: cutting a longer number can leave a NIK at its new end
        object.__setattr__(self, "detail", mask_niks(mask_niks(self.detail)[:MAX_DETAIL_LENGTH]))


class _Reject(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(reason, detail)
        self.rejection = Rejected(reason, detail)


def parse_event(raw: bytes | None, regions: Container[str], now: datetime) -> ParticipantEvent | Rejected:
    """Validate one input against schema v1, the bounds, the region registry and the clock."""
    event = plain_event(raw, regions, now)  # nearly every valid event, several times faster
    if event is not None:
        return event
    decoded = _decode(raw)
    if isinstance(decoded, Rejected):
        return decoded
    obj, text = decoded
    try:
        _check_content(obj, text)
        return _event(_Fields(obj), regions, now)
    except _Reject as rejected:
        return rejected.rejection


def decode_object(raw: bytes | None) -> dict[str, Any] | Rejected:
    """The JSON object in `raw`, checked for size and strict JSON only (parse_event does the rest)."""
    decoded = _decode(raw)
    return decoded if isinstance(decoded, Rejected) else decoded[0]


def _decode(raw: bytes | None) -> tuple[dict[str, Any], str] | Rejected:
    """The JSON object in `raw` and the text it was read from."""
    if raw is None:  # a Kafka record without a value (a tombstone) is not an event
        return Rejected("not_json", "the message has no value")
    if len(raw) > MAX_EVENT_BYTES:
        return Rejected("too_large", f"an event is at most {MAX_EVENT_BYTES} bytes, got {len(raw)}")
    try:
        text = raw.decode("utf-8")
        obj = _DECODER.decode(text)
    except RecursionError:  # the decoder recurses once per nesting level
        return Rejected("not_json", "nested too deeply")
    except (UnicodeDecodeError, ValueError) as error:
        return Rejected("not_json", str(error)[:200])
    if not isinstance(obj, dict):
        return Rejected("not_an_object", f"got a JSON {type(obj).__name__}")
    return obj, text


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON parsers disagree on which of two equal keys wins, so an event may have neither."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        keys = [key for key, _ in pairs]
        duplicate = next(key for index, key in enumerate(keys) if key in keys[:index])
        raise ValueError(f"duplicate key {_shown(duplicate)}")
    return obj


_DECODER = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_unique_keys)


def _shown(value: str, limit: int = 40) -> str:
    """`value` quoted for a detail: NIKs masked first, then cut short."""
    masked = mask_niks(value)
    return repr(masked[:limit]) + ("..." if len(masked) > limit else "")


def _check_content(obj: dict[str, Any], text: str) -> None:
    """Every string and key of the event, at any depth: bounded in length, and no NIK in it."""
    if obj.get("nik") is not None:
        raise _Reject(
            "raw_nik",
            "a nik field is never published: pseudonymise it first (ucj produce --pseudonymize, "
            "EventPublisher with a pseudonymizer, or the gateway)",
        )
    # Without an escape every string and key stands verbatim in the raw text, between quotes
    # that end any digit run, so scanning the raw text once finds each NIK in them too. With
    # one, the raw scan reads each escape as its character, and every decoded string and key is
    # scanned as well (it may hold escapes of its own: "\\\\u0036").
    escaped = "\\" in text
    for field, value in _strings(obj):
        if len(value) > MAX_TEXT_LENGTH:
            raise _Reject(
                "too_long",
                f"field {_shown(field)} holds a text of {len(value)} characters, the limit is {MAX_TEXT_LENGTH}",
            )
        if escaped and _SURROGATE.search(value):  # UTF-8 cannot carry one: only an escape can
            raise _Reject("not_json", f"field {_shown(field)} holds an unpaired UTF-16 surrogate")
    if contains_nik(text) or escaped and any(contains_nik(value) for _, value in _strings(obj)):
        found = next((field for field, value in _strings(obj) if contains_nik(value)), None)
        if found is None:
            raise _Reject("raw_nik", "the event holds a NIK-shaped number; send a pseudonym")
        raise _Reject("raw_nik", f"field {_shown(found)} holds a NIK-shaped value; send a pseudonym")


def _strings(obj: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(top-level field, text) of every key and string value of `obj`, at any depth."""
    nested: list[tuple[str, Any]] = []
    for key, value in obj.items():
        yield key, key
        if isinstance(value, str):
            yield key, value
        elif isinstance(value, (dict, list)):
            nested.append((key, value))
    while nested:  # iterative: nesting is only bounded by the size of the event
        field, value = nested.pop()
        if isinstance(value, str):
            yield field, value
        elif isinstance(value, dict):
            for key, inner in value.items():
                yield field, key
                nested.append((field, inner))
        elif isinstance(value, list):
            nested.extend((field, inner) for inner in value)


def _event(fields: _Fields, regions: Container[str], now: datetime) -> ParticipantEvent:
    if fields.string("schema") != SCHEMA:
        raise _Reject("unsupported_schema", f"schema must be {SCHEMA!r}")
    kind = fields.string("type")
    if kind not in WIRE_TYPES:
        raise _Reject("unknown_type", f"type {_shown(kind)} is not one of {sorted(WIRE_TYPES)}")

    occurred_at = fields.timestamp("occurred_at")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise _Reject("future_event", f"occurred_at {occurred_at.isoformat()} is after {now.isoformat()}")
    common: dict[str, Any] = dict(
        event_id=fields.identifier("event_id", "bad_event_id"),
        occurred_at=occurred_at,
        participant_id=fields.identifier("participant_id", "bad_participant_id"),
        region_code=fields.string("region_code"),
        segment=fields.string("segment"),
        source=fields.source("source"),
    )
    if common["region_code"] not in regions:
        raise _Reject("unknown_region", f"region_code {_shown(common['region_code'])} is not in the registry")
    if common["segment"] not in SEGMENTS:
        raise _Reject("unknown_segment", f"segment {_shown(common['segment'])} is not one of {sorted(SEGMENTS)}")

    occurred_on = local_date(occurred_at)
    if kind == "enrollment":
        covered_from = fields.date("covered_from", default=occurred_on)
        paid_through = fields.date("paid_through")
        if paid_through < covered_from:
            raise _Reject("bad_interval", "paid_through is before covered_from")
        return ParticipantEnrolled(**common, covered_from=covered_from, paid_through=paid_through)
    if kind == "assistance_payment":
        payer_id = fields.payer_id("payer_id", regions)
        period_start, period_end = fields.date("period_start"), fields.date("period_end")
        if period_end < period_start:
            raise _Reject("bad_interval", "period_end is before period_start")
        amount = fields.get("amount_idr", int)
        if not 0 <= amount <= MAX_AMOUNT_IDR:
            raise _Reject("bad_amount", f"amount_idr must be 0 to {MAX_AMOUNT_IDR:,}")
        return AssistancePaid(
            **common, payer_id=payer_id, period_start=period_start, period_end=period_end, amount_idr=amount
        )
    reason = fields.string("reason")
    if reason not in LAPSE_REASONS:
        raise _Reject("unknown_lapse_reason", f"reason {_shown(reason)} is not one of {sorted(LAPSE_REASONS)}")
    return ParticipantLapsed(**common, reason=reason, effective_date=fields.date("effective_date", default=occurred_on))


_MISSING = object()


class _Fields:
    """Typed access to the fields of one JSON object, raising _Reject on the first problem."""

    def __init__(self, obj: dict[str, Any]):
        self.obj = obj

    def get(self, name: str, kind: type, default: Any = _MISSING) -> Any:
        value = self.obj.get(name)
        if value is None:
            if default is not _MISSING:
                return default
            raise _Reject("missing_field", f"{name} is required")
        # bool is an int in Python, but never a valid amount
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _Reject("wrong_field_type", f"{name} must be a {kind.__name__}")
        return value

    def string(self, name: str) -> str:
        text: str = self.get(name, str)
        return text

    def non_empty(self, name: str) -> str:
        value = self.string(name)
        if not value.strip():
            raise _Reject("empty_field", f"{name} must not be empty")
        return value

    def identifier(self, name: str, reason: str) -> str:
        value = self.string(name)
        if not value or len(value) > MAX_ID_LENGTH:
            raise _Reject(reason, f"{name} must be 1 to {MAX_ID_LENGTH} characters")
        return value

    def source(self, name: str) -> str:
        value = self.non_empty(name)
        if not SOURCE_PATTERN.fullmatch(value):
            raise _Reject(
                "bad_source",
                f"{name} {_shown(value)} is not 1 to {MAX_SOURCE_LENGTH} letters, digits, dots, dashes "
                "or underscores, starting with a letter or digit",
            )
        return value

    def payer_id(self, name: str, regions: Container[str]) -> str:
        value = self.non_empty(name)
        problem = payer_problem(value, regions)
        if problem is not None:
            raise _Reject("bad_payer_id", f"{name} {_shown(value)} {problem}")
        return value

    def timestamp(self, name: str) -> datetime:
        text = self.string(name)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise _Reject("bad_timestamp", f"{name} {_shown(text)} is not an ISO-8601 timestamp") from None
        if moment.tzinfo is None:
            raise _Reject("bad_timestamp", f"{name} {_shown(text)} has no UTC offset")
        if not moment_in_range(moment):
            raise _Reject("date_out_of_range", f"{name} {_shown(text)} is not within {_RANGE} (Pontianak dates)")
        return moment

    def date(self, name: str, default: date | None = None) -> date:
        text = self.get(name, str, default=None)
        if text is None:
            if default is None:
                raise _Reject("missing_field", f"{name} is required")
            return default
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise _Reject("bad_date", f"{name} {_shown(text)} is not an ISO-8601 date") from None
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise _Reject("date_out_of_range", f"{name} {day.isoformat()} is not within {_RANGE}")
        return day


_RANGE = f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"
