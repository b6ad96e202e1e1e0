"""parse_event's fast path: a plain, valid event, decoded and mostly checked in C by msgspec.

Nearly every event is plain: one JSON object with the fields of its type and no other, no
escape (backslash) in its text, no null. msgspec decodes that into a typed struct, checking in C
each field's JSON type, string lengths, ids, schema, segment, lapse reason and amount; the dates,
moments, source, regions, payer and NIK-shaped values are checked here, with the same bounds.
This path only ever accepts: anything else, invalid or merely unusual, goes on to validation.py,
which reads it as it always did and words the rejection.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Container, Literal, Union

import msgspec
from msgspec import UNSET, Meta, UnsetType

from .bounds import (
    EARLIEST_DATE,
    FUTURE_TOLERANCE,
    LATEST_DATE,
    MAX_AMOUNT_IDR,
    MAX_EVENT_BYTES,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    SOURCE_PATTERN,
    moment_in_range,
    payer_problem,
)
from .events import (
    LAPSE_REASONS,
    SCHEMA,
    SEGMENTS,
    TYPE_NAMES,
    AssistancePaid,
    ParticipantEnrolled,
    ParticipantEvent,
    ParticipantLapsed,
    local_date,
)
from .nik import contains_nik

_Text = Annotated[str, Meta(max_length=MAX_TEXT_LENGTH)]
_Id = Annotated[str, Meta(min_length=1, max_length=MAX_ID_LENGTH)]


class _Plain(msgspec.Struct, tag_field="type", forbid_unknown_fields=True):
    # Literal types built from the constants: msgspec reads them at run time, mypy cannot
    schema: Literal[SCHEMA]  # type: ignore[valid-type]
    event_id: _Id
    occurred_at: _Text
    participant_id: _Id
    region_code: _Text
    segment: Literal[tuple(sorted(SEGMENTS))]  # type: ignore[valid-type]
    source: _Text


class _Enrollment(_Plain, tag=TYPE_NAMES[ParticipantEnrolled]):
    paid_through: _Text
    covered_from: Union[_Text, UnsetType] = UNSET


class _Payment(_Plain, tag=TYPE_NAMES[AssistancePaid]):
    payer_id: _Text
    period_start: _Text
    period_end: _Text
    amount_idr: Annotated[int, Meta(ge=0, le=MAX_AMOUNT_IDR)]  # never a bool or a float: msgspec is strict


class _Lapse(_Plain, tag=TYPE_NAMES[ParticipantLapsed]):
    reason: Literal[tuple(sorted(LAPSE_REASONS))]  # type: ignore[valid-type]
    effective_date: Union[_Text, UnsetType] = UNSET


_DECODER: msgspec.json.Decoder[_Enrollment | _Payment | _Lapse] = msgspec.json.Decoder(
    Union[_Enrollment, _Payment, _Lapse]
)


def plain_event(raw: bytes | None, regions: Container[str], now: datetime) -> ParticipantEvent | None:
    """The event in `raw` when it is plain and valid; None leaves `raw` to validation.py."""
    if raw is None or len(raw) > MAX_EVENT_BYTES:
        return None
    try:
        text = raw.decode("utf-8")
        # an escape could hide a NIK from the scan of the text, or stand for an unpaired surrogate
        if "\\" in text:
            return None
        plain = _DECODER.decode(text)
    # msgspec's ValidationError is a DecodeError; it recurses to skip nested values while it
    # looks for the tag "type"
    except (UnicodeDecodeError, msgspec.DecodeError, RecursionError):
        return None
    if _repeats_a_key(plain, text) or contains_nik(text):
        return None
    try:
        return _valid_event(plain, regions, now)
    except ValueError:  # a moment or a date that is not ISO 8601
        return None


def _valid_event(
    plain: _Enrollment | _Payment | _Lapse, regions: Container[str], now: datetime
) -> ParticipantEvent | None:
    """The event of `plain`, or None when a check that msgspec cannot make fails."""
    occurred_at = datetime.fromisoformat(plain.occurred_at)
    if (
        occurred_at.tzinfo is None
        or not moment_in_range(occurred_at)
        or occurred_at > now + FUTURE_TOLERANCE
        or not SOURCE_PATTERN.fullmatch(plain.source)
        or plain.region_code not in regions
    ):
        return None
    if isinstance(plain, _Enrollment):
        paid_through = date.fromisoformat(plain.paid_through)
        covered_from = (
            local_date(occurred_at) if plain.covered_from is UNSET else date.fromisoformat(plain.covered_from)
        )
        if not EARLIEST_DATE <= covered_from <= paid_through <= LATEST_DATE:
            return None
        return ParticipantEnrolled(
            event_id=plain.event_id,
            occurred_at=occurred_at,
            participant_id=plain.participant_id,
            region_code=plain.region_code,
            segment=plain.segment,
            source=plain.source,
            covered_from=covered_from,
            paid_through=paid_through,
        )
    if isinstance(plain, _Payment):
        period_start, period_end = date.fromisoformat(plain.period_start), date.fromisoformat(plain.period_end)
        if not EARLIEST_DATE <= period_start <= period_end <= LATEST_DATE or payer_problem(plain.payer_id, regions):
            return None
        return AssistancePaid(
            event_id=plain.event_id,
            occurred_at=occurred_at,
            participant_id=plain.participant_id,
            region_code=plain.region_code,
            segment=plain.segment,
            source=plain.source,
            payer_id=plain.payer_id,
            period_start=period_start,
            period_end=period_end,
            amount_idr=plain.amount_idr,
        )
    effective_date = (
        local_date(occurred_at) if plain.effective_date is UNSET else date.fromisoformat(plain.effective_date)
    )
    if not EARLIEST_DATE <= effective_date <= LATEST_DATE:
        return None
    return ParticipantLapsed(
        event_id=plain.event_id,
        occurred_at=occurred_at,
        participant_id=plain.participant_id,
        region_code=plain.region_code,
        segment=plain.segment,
        source=plain.source,
        reason=plain.reason,
        effective_date=effective_date,
    )


def _repeats_a_key(plain: _Plain, text: str) -> bool:
    """Whether `text` repeats a key, which msgspec lets pass (the last one wins) and validation.py rejects.

    Without an escape every quote in the text opens or closes a key or a string, so an object
    whose keys differ holds two quotes per key (the tag "type" too) and two per string value,
    which every value is but amount_idr.
    """
    values = msgspec.structs.astuple(plain)
    keys = 1 + len(values) - (values[-1] is UNSET)  # only the last field of a struct has a default
    strings = keys - (type(plain) is _Payment)
    return text.count('"') != 2 * (keys + strings)
