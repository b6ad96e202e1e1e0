"""The worker's hot path as a chain of small Kafka-free steps over one batch of records.

decode and validate -> route (dead letter, re-key, fold) -> fold per participant -> tally.
A record is anything with topic, partition, offset, timestamp (seconds), key and value: a
Faust message in production, a `Record` in tests. The steps return what to send; the Faust
adapter sends it, so the whole chain runs the same under an in-memory broker.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .broker.topics import DEAD_LETTER
from .domain.events import ParticipantEvent, type_name
from .domain.validation import Rejected
from .partitioning import partition_of
from .processing import CoverageProcessor
from .sources import claimed_source

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    timestamp: float
    key: bytes | None
    value: bytes | None


# (partition, participant_id) -> the participant's (record, event) pairs, in arrival order
Groups = dict[tuple[int, str], list[tuple[Any, ParticipantEvent]]]


@dataclass
class BatchResult:
    rekeyed: list[tuple[bytes, bytes]] = field(default_factory=list)  # (key, value) for the re-keyed topic
    dead_letters: list[tuple[Any, Rejected]] = field(default_factory=list)  # (record, why)
    tally: Counter[tuple[str, str]] = field(default_factory=Counter)  # (event type, outcome) -> events
    # (source as sent, outcome) -> events, and source -> newest Kafka timestamp of its messages;
    # not bounded here: streams/sources.py maps them to the registered names once per batch
    by_source: Counter[tuple[str, str]] = field(default_factory=Counter)
    latest: dict[str, float] = field(default_factory=dict)


def process_batch(
    processor: CoverageProcessor, records: Sequence[Any], forward_miskeyed_from: str | None, partitions: int
) -> BatchResult:
    """Every record of the batch ends counted, forwarded or dead-lettered; nothing raises."""
    result = BatchResult()
    validated = validate(processor, records)
    groups = route(validated, forward_miskeyed_from, partitions, result)
    fold(processor, groups, result)
    return result


def validate(processor: CoverageProcessor, records: Iterable[Any]) -> list[tuple[Any, ParticipantEvent | Rejected]]:
    out: list[tuple[Any, ParticipantEvent | Rejected]] = []
    for record in records:
        try:
            out.append((record, processor.validate(record.value)))
        except Exception as error:  # an input that breaks validation is dead-lettered, not raised
            out.append((record, failed("validating", error, [record])))
    return out


def route(
    validated: list[tuple[Any, ParticipantEvent | Rejected]],
    forward_miskeyed_from: str | None,
    partitions: int,
    result: BatchResult,
) -> Groups:
    """Invalid records to the dead letter, mis-keyed ones to the re-keyed topic, the rest grouped
    by (partition, participant) in arrival order."""
    groups: Groups = {}
    latest = result.latest
    for record, parsed in validated:
        if isinstance(parsed, Rejected):  # in the re-keyed stream: a clock or registry change since
            result.dead_letters.append((record, parsed))
            result.tally["unknown", "invalid"] += 1
            source = claimed_source(record.value)
            result.by_source[source, "invalid"] += 1
        else:
            source = parsed.source
            if record.topic == forward_miskeyed_from and record.partition != partition_of(
                parsed.participant_id, partitions
            ):
                result.rekeyed.append((parsed.participant_id.encode(), record.value))
                result.tally[type_name(parsed), "rekeyed"] += 1
                result.by_source[source, "rekeyed"] += 1
            else:
                groups.setdefault((record.partition, parsed.participant_id), []).append((record, parsed))
        timestamp: float = record.timestamp
        if timestamp > latest.get(source, -1.0):
            latest[source] = timestamp
    return groups


def fold(processor: CoverageProcessor, groups: Groups, result: BatchResult) -> None:
    """Fold each participant's events; one whose events cannot be folded changes nothing and is dead-lettered."""
    for (partition, _), pairs in groups.items():
        try:
            outcomes = processor.apply_events([parsed for _, parsed in pairs], partition)
        except Exception as error:
            rejection = failed("folding", error, [record for record, _ in pairs])
            for record, parsed in pairs:
                result.dead_letters.append((record, rejection))
                result.tally[type_name(parsed), "invalid"] += 1
                result.by_source[parsed.source, "invalid"] += 1
            continue
        for (record, parsed), outcome in zip(pairs, outcomes):
            if outcome.refused is not None:  # a scoped source's event for a participant it does not own
                result.dead_letters.append((record, outcome.refused))
            result.tally[outcome.event_type, outcome.kind] += 1
            result.by_source[parsed.source, outcome.kind] += 1


def failed(doing: str, error: Exception, records: Sequence[Any]) -> Rejected:
    """The rejection of inputs the worker failed on, logged without their content."""
    offsets = sorted(r.offset for r in records)
    shown = ", ".join(map(str, offsets[:10])) + (", ..." if len(offsets) > 10 else "")
    log.error(
        "%s while %s %d input(s) of %s/%d at offsets %s; sent to %s",
        type(error).__name__,
        doing,
        len(records),
        records[0].topic,
        records[0].partition,
        shown,
        DEAD_LETTER,
    )
    return Rejected("processing_error", f"{type(error).__name__} while {doing}: {error}")
