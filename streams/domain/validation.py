"""The one validation function: raw bytes in, an event or a machine-readable rejection out."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Container

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

MAX_ID_LENGTH = 128
FUTURE_TOLERANCE = timedelta(minutes=5)
NIK_PATTERN = re.compile(r"\d{16}")  # a raw national id number; producers must pseudonymise

# Every reason a rejection can carry; bounded, so usable as a metric label.
REASONS = (
    "not_json",
    "not_an_object",
    "unsupported_schema",
    "unknown_type",
    "missing_field",
    "wrong_field_type",
    "bad_event_id",
    "bad_participant_id",
    "raw_nik",  # a NIK-shaped value where a pseudonym or id belongs
    "bad_timestamp",
    "bad_date",
    "unknown_region",
    "unknown_segment",
    "unknown_lapse_reason",
    "empty_field",
    "bad_interval",
    "bad_amount",
    "future_event",
    "too_large",  # the whole event is over the size limit
    "too_long",  # a string field is over its length limit
    "date_out_of_range",
    "bad_payer_id",
    "bad_source",
    "bad_nik",  # the gateway's nik field is not a well-formed NIK
    "nik_and_participant_id",  # both given: which one names the worker is unclear
    "region_out_of_scope",  # gateway: outside the calling source's regions
    "source_mismatch",  # gateway: the body names another source than the key's
    "bad_csv_row",  # gateway: a CSV row that does not fit its header
    "processing_error",  # worker: a valid event whose participant could not be folded
)


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str  # one of REASONS
    detail: str


class _Reject(Exception):
    def __init__(self, reason: str, detail: str):
        assert reason in REASONS, reason
        super().__init__(reason, detail)
        self.rejection = Rejected(reason, detail)


def parse_event(raw: bytes, regions: Container[str], now: datetime) -> ParticipantEvent | Rejected:
    """Validate one input against schema v1, the region registry and the clock."""
    try:
        return _parse(raw, regions, now)
    except _Reject as rejected:
        return rejected.rejection


def _parse(raw: bytes, regions: Container[str], now: datetime) -> ParticipantEvent:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise _Reject("not_json", str(error)[:200]) from None
    if not isinstance(obj, dict):
        raise _Reject("not_an_object", f"got a JSON {type(obj).__name__}")
    fields = _Fields(obj)
    if fields.string("schema") != SCHEMA:
        raise _Reject("unsupported_schema", f"schema must be {SCHEMA!r}")
    kind = fields.string("type")
    if kind not in WIRE_TYPES:
        raise _Reject("unknown_type", f"type {kind!r} is not one of {sorted(WIRE_TYPES)}")

    occurred_at = fields.timestamp("occurred_at")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise _Reject("future_event", f"occurred_at {occurred_at.isoformat()} is after {now.isoformat()}")
    common = dict(
        event_id=fields.identifier("event_id", "bad_event_id"),
        occurred_at=occurred_at,
        participant_id=fields.identifier("participant_id", "bad_participant_id"),
        region_code=fields.string("region_code"),
        segment=fields.string("segment"),
        source=fields.non_empty("source"),
    )
    if NIK_PATTERN.fullmatch(common["participant_id"]):
        raise _Reject("raw_nik", "participant_id looks like a raw NIK; send a pseudonym")
    if common["region_code"] not in regions:
        raise _Reject("unknown_region", f"region_code {common['region_code']!r} is not in the registry")
    if common["segment"] not in SEGMENTS:
        raise _Reject("unknown_segment", f"segment {common['segment']!r} is not one of {sorted(SEGMENTS)}")

    occurred_on = local_date(occurred_at)
    if kind == "enrollment":
        covered_from = fields.date("covered_from", default=occurred_on)
        paid_through = fields.date("paid_through")
        if paid_through < covered_from:
            raise _Reject("bad_interval", "paid_through is before covered_from")
        return ParticipantEnrolled(**common, covered_from=covered_from, paid_through=paid_through)
    if kind == "assistance_payment":
        period_start, period_end = fields.date("period_start"), fields.date("period_end")
        if period_end < period_start:
            raise _Reject("bad_interval", "period_end is before period_start")
        amount = fields.get("amount_idr", int)
        if amount < 0:
            raise _Reject("bad_amount", "amount_idr must be at least 0")
        return AssistancePaid(
            **common,
            payer_id=fields.non_empty("payer_id"),
            period_start=period_start,
            period_end=period_end,
            amount_idr=amount,
        )
    reason = fields.string("reason")
    if reason not in LAPSE_REASONS:
        raise _Reject("unknown_lapse_reason", f"reason {reason!r} is not one of {sorted(LAPSE_REASONS)}")
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
        return self.get(name, str)

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

    def timestamp(self, name: str) -> datetime:
        text = self.string(name)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise _Reject("bad_timestamp", f"{name} {text!r} is not an ISO-8601 timestamp") from None
        if moment.tzinfo is None:
            raise _Reject("bad_timestamp", f"{name} {text!r} has no UTC offset")
        return moment

    def date(self, name: str, default: date | None = None) -> date:
        text = self.get(name, str, default=None)
        if text is None:
            if default is None:
                raise _Reject("missing_field", f"{name} is required")
            return default
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise _Reject("bad_date", f"{name} {text!r} is not an ISO-8601 date") from None
