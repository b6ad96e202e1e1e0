"""Sources: the registration systems allowed to publish events, each with one key and a scope.

A source is a name (it becomes the `source` of every event it publishes) and the regions it
may publish for: each region itself and everything below it. It calls the gateway with
`Authorization: Bearer KEY`; the registry keeps only a hash of the key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from prometheus_client.parser import text_string_to_metric_families

from streams.domain.bounds import MAX_SOURCE_LENGTH, SOURCE_PATTERN
from streams.domain.nik import contains_nik, mask_niks
from streams.sources import OTHER

# a worker's /metrics: the Kafka timestamp of the newest event it processed from each source
LAST_EVENT_METRIC = "ucj_source_last_event_timestamp_seconds"

KEY_PREFIX = "ucjk_"  # says what a leaked string is, so secret scanners and people can spot it


@dataclass(frozen=True)
class Source:
    name: str
    regions: tuple[str, ...]  # region codes the source may publish for (the region itself or below it)
    created_at: datetime  # aware UTC
    key_issued_at: datetime  # when the current key was issued (add or the last rotate)
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_key() -> str:
    """A new key: the prefix and 256 random bits, URL-safe so it fits a header unquoted."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    """What the registry stores instead of the key: its SHA-256, in hex.

    A fast unsalted hash is right here, unlike for passwords: a key is 256 random bits, so
    there is nothing to guess from the hash, and the gateway checks one on every request.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def source_name_problem(name: str) -> str | None:
    """Why `name` cannot be a source (one sentence), or None when it can.

    The name is the `source` of every event the source publishes, kept forever in the topic.
    """
    if not SOURCE_PATTERN.fullmatch(name):  # the name must be a valid event source
        return (
            f"a source name is 1 to {MAX_SOURCE_LENGTH} letters, digits, dots, dashes or underscores, "
            f"starting with a letter or digit, got {mask_niks(name)[:80]!r}"
        )
    if contains_nik(name):
        return "a source name must not hold a NIK-shaped number, since every event carries it"
    if name.lower() == OTHER:
        return f"the name {OTHER!r} is taken: the workers count the events of every unregistered source under it"
    return None


def newest_by_label(expositions: Iterable[str]) -> dict[str, float] | None:
    """Source label (`other` included) -> newest last event over the workers' /metrics texts
    (each worker sees only the sources of its own partitions); None when none exports the metric."""
    newest: dict[str, float] | None = None
    for text in expositions:
        for family in text_string_to_metric_families(text):
            if family.name != LAST_EVENT_METRIC:
                continue
            newest = {} if newest is None else newest
            for sample in family.samples:
                source = sample.labels.get("source")
                if source and sample.value > newest.get(source, float("-inf")):
                    newest[source] = sample.value
    return newest


def last_events(expositions: Iterable[str]) -> dict[str, float]:
    """Source -> newest last event over the workers. `other` is not a source and is left out."""
    return {source: seconds for source, seconds in (newest_by_label(expositions) or {}).items() if source != OTHER}
