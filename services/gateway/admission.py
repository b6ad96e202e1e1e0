"""Whether one event from a source may enter the pipeline, and in what form (pure, no I/O).

The steps, in order: the event's own JSON text is read as strictly as the worker reads it;
a `nik` becomes the participant_id it stands for (streams.domain.edge, as on every path);
`source` is set from the calling source's key; the worker's own validation, which also
rejects any NIK-shaped value left anywhere; a participant_id given as such must have the exact
form of a pseudonym; the region lies inside one of the source's regions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.domain.edge import pseudonymize_fields
from streams.domain.events import ParticipantEvent
from streams.domain.pseudonym import PREFIX, Pseudonymizer, is_pseudonym
from streams.domain.regions import RegionTree
from streams.domain.validation import Rejected, decode_object, parse_event


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


def admit(value: Any, admission: Admission, text: str | None = None) -> ParticipantEvent | Rejected:
    """The event that `value` stands for, or why it is rejected.

    `text` is the event's own JSON text when the body had one (JSON and JSON Lines): it is
    read again as strictly as the worker reads raw input (duplicate keys, NaN, size), which
    the lenient parse that split the body does not do. A CSV row has only its `value`.
    """
    if text is not None:
        value = decode_object(_utf8(text))
        if isinstance(value, Rejected):
            return value
    if isinstance(value, dict):
        value = pseudonymize_fields(value, admission.pseudonymizer)
        if isinstance(value, Rejected):
            return value
        value = with_source(value, admission.scope.source)
        if isinstance(value, Rejected):
            return value
    try:
        raw = _utf8(json.dumps(value, ensure_ascii=False))
    except RecursionError:
        return Rejected("not_json", "the event is nested too deeply")
    event = parse_event(raw, admission.tree, admission.now)
    if isinstance(event, Rejected):
        return event
    if not is_pseudonym(event.participant_id):
        # any other text could be a NIK in a spelling no detector knows, kept forever as a Kafka key
        return Rejected(
            "participant_id_not_pseudonym",
            f"participant_id must be a pseudonym ({PREFIX} and 32 letters a-z or digits 2-7); send the worker's nik instead",
        )
    if not in_scope(event.region_code, admission.scope, admission.tree):
        regions = ", ".join(admission.scope.regions)
        return Rejected(
            "region_out_of_scope",
            f"region_code {event.region_code} is outside the regions of source {admission.scope.source} ({regions})",
        )
    return event


def with_source(obj: dict, source: str) -> dict | Rejected:
    """`obj` with `source` set from the key; a body naming another source is rejected."""
    named = obj.get("source")
    if named is None:
        return {**obj, "source": source}
    if named != source:
        return Rejected("source_mismatch", f"the key belongs to source {source}; leave source out or send {source}")
    return obj


def in_scope(region_code: str, scope: Scope, tree: RegionTree) -> bool:
    """Is the region one of the scope's regions, or inside one?"""
    return any(code in scope.regions for code in tree.self_and_ancestors(region_code))


def _utf8(text: str) -> bytes:
    # an unpaired surrogate (only a JSON escape can make one) stays the invalid UTF-8 it is,
    # which validation rejects as not_json
    return text.encode("utf-8", "surrogatepass")
