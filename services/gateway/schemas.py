"""What the gateway's OpenAPI document says: response models, and the request bodies it reads raw."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field

from services.gateway.settings import MAX_EVENTS
from streams.domain.bounds import MAX_ID_LENGTH
from streams.domain.events import LAPSE_REASONS, SCHEMA, SEGMENTS, WIRE_TYPES
from streams.domain.pseudonym import PATTERN as PSEUDONYM_PATTERN
from streams.domain.validation import REASONS

Reason = Literal[REASONS]  # type: ignore[valid-type]  # the closed list, read by pydantic at run time


class RejectedEvent(BaseModel):
    index: int = Field(ge=0, description="0-based position of the event among the events of the body")
    line: int = Field(ge=1, description="1-based line of the body where the event starts")
    reason: Reason = Field(description="machine-readable reason, the same the worker uses")
    detail: str = Field(description="one sentence for a person; never holds a NIK")


class ImportSummary(BaseModel):
    accepted: int = Field(ge=0, description="events acknowledged by Kafka (a dry run: events that would be)")
    rejected: list[RejectedEvent] = Field(description="every event not accepted, in body order")
    dry_run: bool = Field(description="true: nothing was published")


class EventPosition(BaseModel):
    index: int = Field(ge=0)
    line: int = Field(ge=1)


class Unavailable(ImportSummary):
    """503: Kafka or the registry is unavailable. Resend the whole batch later; event_id makes that safe."""

    error: str
    not_published: list[EventPosition] = Field(description="valid events that Kafka did not acknowledge")


class Problem(BaseModel):
    error: str = Field(description="what is wrong with the request, in one sentence")


class RegionOut(BaseModel):
    code: str
    name: str
    level: str


class WhoAmI(BaseModel):
    source: str = Field(description="the source the key belongs to; events are published with this source")
    regions: list[RegionOut] = Field(description="events must have a region_code inside one of these")


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    kafka: Literal["reachable", "unreachable"]
    registry: Literal["reachable", "unreachable"]


EVENT = {
    "title": "Event",
    "type": "object",
    "description": (
        f"A participant event, schema {SCHEMA}. Give nik (the 16-digit national id, which the gateway "
        "replaces with its pseudonym) or participant_id, not both. source may be left out: it is set "
        "from the key. Fields of other event types are ignored."
    ),
    "required": ["schema", "event_id", "type", "occurred_at", "region_code", "segment"],
    "properties": {
        "schema": {"type": "string", "enum": [SCHEMA]},
        "event_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_ID_LENGTH,
            "description": "the idempotency key",
        },
        "type": {"type": "string", "enum": sorted(WIRE_TYPES)},
        "occurred_at": {"type": "string", "format": "date-time", "description": "with a UTC offset"},
        "nik": {"type": "string", "description": "16 digits, with or without spaces, dots or dashes"},
        "participant_id": {
            "type": "string",
            "pattern": PSEUDONYM_PATTERN,
            "description": "a pseudonym made with the province's key (ucj produce --pseudonymize), never a NIK",
        },
        "region_code": {"type": "string", "description": "Kemendagri code inside one of the source's regions"},
        "segment": {"type": "string", "enum": sorted(SEGMENTS)},
        "source": {"type": "string", "description": "optional; when given, the key's source"},
        "covered_from": {"type": "string", "format": "date", "description": "enrollment"},
        "paid_through": {"type": "string", "format": "date", "description": "enrollment"},
        "payer_id": {"type": "string", "description": "assistance_payment: APBD-<code>, APBDES-<code> or CSR-<name>"},
        "period_start": {"type": "string", "format": "date", "description": "assistance_payment"},
        "period_end": {"type": "string", "format": "date", "description": "assistance_payment"},
        "amount_idr": {"type": "integer", "minimum": 0, "description": "assistance_payment"},
        "reason": {"type": "string", "enum": sorted(LAPSE_REASONS), "description": "lapse"},
        "effective_date": {"type": "string", "format": "date", "description": "lapse"},
    },
}

_EXAMPLE = {
    "schema": SCHEMA,
    "event_id": "desa-2001-2026-0001",
    "type": "enrollment",
    "occurred_at": "2026-06-01T09:00:00+07:00",
    "participant_id": "pn1_examplepseudonymofaworkerabcdefg",
    "region_code": "61.07.01.2001",
    "segment": "BPU",
    "covered_from": "2026-06-01",
    "paid_through": "2026-08-31",
}
_CSV_EXAMPLE = (
    "event_id;type;occurred_at;participant_id;region_code;segment;covered_from;paid_through\n"
    "desa-2001-2026-0001;enrollment;2026-06-01T09:00:00+07:00;pn1_examplepseudonymofaworkerabcdefg;61.07.01.2001;BPU;2026-06-01;2026-08-31\n"
)

EVENTS_BODY = {
    "required": True,
    "description": f"At most {MAX_EVENTS:,} events and 5 MB, UTF-8.",
    "content": {
        "application/json": {
            "schema": {"type": "array", "maxItems": MAX_EVENTS, "items": {"$ref": "#/components/schemas/Event"}},
            "example": [_EXAMPLE],
        },
        "application/x-ndjson": {
            "schema": {
                "type": "string",
                "description": "JSON Lines: one Event object per line; blank lines are skipped",
            },
            "example": json.dumps(_EXAMPLE) + "\n",
        },
    },
}
CSV_BODY = {
    "required": True,
    "description": (
        f"At most {MAX_EVENTS:,} rows and 5 MB. UTF-8 with or without a byte order mark; comma or semicolon "
        "delimited (decided from the header row). The header row names the Event fields; one row per event; "
        "an empty cell is an absent field; schema may be left out."
    ),
    "content": {"text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE}},
}
