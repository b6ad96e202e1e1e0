"""Whether one event from a source may enter the pipeline, and in what form (pure, no I/O).

The steps, in order: a `nik` becomes the participant_id it stands for; `source` is set
from the calling source's key; the worker's own validation; no NIK-shaped value left in
any field; the region lies inside one of the source's regions.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.domain.events import ParticipantEvent, to_wire
from streams.domain.nik import contains_nik, nik_problem, normalize_nik
from streams.domain.pseudonym import Pseudonymizer
from streams.domain.regions import RegionTree
from streams.domain.validation import Rejected, parse_event


@dataclass(frozen=True)
class Scope:
    """Who is publishing: a source's name and the regions it may publish for."""

    source: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Admission:
    """What one request's events are checked against."""

    scope: Scope
    tree: RegionTree
    pseudonymizer: Pseudonymizer
    now: datetime


def admit(value: Any, admission: Admission) -> ParticipantEvent | Rejected:
    """The event `value` (a decoded JSON value) stands for, or why it is rejected."""
    if isinstance(value, dict):
        value = pseudonymize_nik(value, admission.pseudonymizer)
        if isinstance(value, Rejected):
            return value
        value = with_source(value, admission.scope.source)
        if isinstance(value, Rejected):
            return value
    try:
        raw = json.dumps(value).encode()
    except RecursionError:
        return Rejected("not_json", "the event is nested too deeply")
    event = parse_event(raw, admission.tree, admission.now)
    if isinstance(event, Rejected):
        return event
    leaking = nik_shaped_field(event)
    if leaking is not None:
        return Rejected("raw_nik", f"{leaking} holds a NIK-shaped value; send the NIK in the nik field, or a pseudonym as participant_id")
    if not in_scope(event.region_code, admission.scope, admission.tree):
        regions = ", ".join(admission.scope.regions)
        return Rejected("region_out_of_scope", f"region_code {event.region_code} is outside the regions of source {admission.scope.source} ({regions})")
    return event


def pseudonymize_nik(obj: dict, pseudonymizer: Pseudonymizer) -> dict | Rejected:
    """`obj` with `nik` replaced by the participant_id it stands for; an object without `nik` is returned as it is."""
    nik = obj.get("nik")
    if nik is None:  # absent, or null as JSON writes an empty value
        return {name: value for name, value in obj.items() if name != "nik"}
    if obj.get("participant_id") is not None:
        return Rejected("nik_and_participant_id", "give nik or participant_id, not both")
    normalized = normalize_nik(nik) if isinstance(nik, str) else None
    if normalized is None:
        plain = nik.strip() if isinstance(nik, str) else ""
        detail = nik_problem(plain) if plain.isascii() and plain.isdigit() else None
        return Rejected("bad_nik", detail or "nik must be a string of 16 digits, written with or without spaces, dots or dashes")
    pseudonymized = {name: value for name, value in obj.items() if name != "nik"}
    pseudonymized["participant_id"] = pseudonymizer.participant_id(normalized)
    return pseudonymized


def with_source(obj: dict, source: str) -> dict | Rejected:
    """`obj` with `source` set from the key; a body naming another source is rejected."""
    named = obj.get("source")
    if named is None:
        return {**obj, "source": source}
    if named != source:
        return Rejected("source_mismatch", f"the key belongs to source {source}; leave source out or send {source}")
    return obj


# Fields whose validated values cannot hold 16 digits in one run (fixed words, dates, a
# timestamp, a region of the registry), so the NIK scan skips them; any other field,
# including one added to the schema later, is scanned.
CANNOT_HOLD_A_NIK = frozenset(
    {"schema", "type", "segment", "reason", "region_code", "occurred_at", "covered_from", "paid_through", "period_start", "period_end", "effective_date"}
)


def nik_shaped_field(event: ParticipantEvent) -> str | None:
    """The first field of the event whose value holds a NIK-shaped value, if any."""
    values = {name: str(value) for name, value in to_wire(event).items() if name not in CANNOT_HOLD_A_NIK}
    # One scan of all values first, joined by a character that ends every digit run: most
    # events hold no NIK, and one scan costs far less than one per field.
    if not contains_nik("\x00".join(values.values())):
        return None
    return next(name for name, value in values.items() if contains_nik(value))


def in_scope(region_code: str, scope: Scope, tree: RegionTree) -> bool:
    """Is the region one of the scope's regions, or inside one?"""
    return any(code in scope.regions for code in tree.self_and_ancestors(region_code))
