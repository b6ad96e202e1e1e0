"""Whether the participants' stored state covers what the consumer group committed: the check
behind `ucj verify`, and the invariant of the worker's contract tests.

Kafka-free: it takes the records of the events topic, of the re-keyed topic and of the
participant changelog, with the group's committed offsets, and folds every participant again
from its events with the domain's own fold, independently of the worker's incremental path
(summaries, the write-behind store, commits and recovery).

An event counts as committed when the offset the worker counts it under is committed: its own
offset on the events topic when it arrived on its participant's partition, else the offset of
a forwarded copy on the re-keyed topic. Every committed event must be in its participant's
stored history ("missing" otherwise), and every stored event must be one of the topic's valid
events ("extra" otherwise). Events not yet committed may be stored or not. Once the group has
committed everything, that is exact equality, down to each event's content ("differs"). An
event the worker refused because its source did not own the participant
(streams/domain/ownership.py) is judged in the same order, and is expected nowhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Mapping, Protocol

from .codec import decode_state
from .domain.events import ParticipantEvent
from .domain.fold import History, apply, contribution_on, fold
from .domain.ownership import NOBODY, Owners, refusal
from .domain.regions import RegionTree
from .domain.validation import Rejected
from .partitioning import partition_of

Position = tuple[str, int]  # (topic, partition)
Where = tuple[int, int]  # (partition, offset) of a record on the events topic


class KafkaRecord(Protocol):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class Difference:
    """One participant whose stored state is not what its events say, named without its id."""

    first: Where | None  # its first event on the events topic; None when only its stored state is left
    region: str | None  # from its events (from the stored state when it has no valid event)
    missing: tuple[Where, ...]  # committed events absent from the stored state
    extra: int  # stored events that no valid event of the topic matches
    differs: bool  # same events, other content (only judged once every event is committed)
    active_stored: bool  # counted active on the day by the stored state
    active_expected: bool  # active on the day by its committed events (all of them, once committed)

    @property
    def reference(self) -> str:
        """How the participant is named, never by id: e.g. "7@765", partition and offset of its first event."""
        return f"{self.first[0]}@{self.first[1]}" if self.first is not None else "stored-only"


@dataclass
class Report:
    day: date
    read_up_to: dict[Position, int]  # end offsets read, per topic partition
    committed: dict[Position, int]  # the group's committed offsets of the counted topics
    participants: int = 0  # participants with valid events or stored state
    uncommitted_events: int = 0  # valid events whose offsets the group has not committed yet
    differences: list[Difference] = field(default_factory=list)

    def by_region(self, tree: RegionTree) -> dict[str, Counter]:
        """Per region code and every region above it: participants differing, and active stored minus expected."""
        totals: dict[str, Counter] = defaultdict(Counter)
        for d in self.differences:
            codes = (
                tree.self_and_ancestors(d.region)
                if d.region is not None and d.region in tree
                else (d.region or "unknown",)
            )
            for code in codes:
                totals[code]["participants"] += 1
                totals[code]["active_delta"] += int(d.active_stored) - int(d.active_expected)
        return dict(totals)

    @property
    def exact(self) -> bool:
        return not self.differences


@dataclass
class _Participant:
    first: Where | None = None  # where its first event is on the events topic
    committed: list[tuple[ParticipantEvent, Where]] = field(default_factory=list)
    uncommitted: list[ParticipantEvent] = field(default_factory=list)


def verify(
    events: Iterable[KafkaRecord],
    rekeyed: Iterable[KafkaRecord],
    changelog: Iterable[KafkaRecord],
    committed: Mapping[Position, int],
    read_up_to: Mapping[Position, int],
    validate: Callable[[bytes | None], ParticipantEvent | Rejected],
    partitions: int,
    events_topic: str,
    rekeyed_topic: str,
    day: date,
    owners: Owners = NOBODY,
) -> Report:
    """`validate` is the worker's validation (schema, registry, clock); `partitions` that of the events topic."""
    report = Report(day, dict(read_up_to), dict(committed))
    forwarded = _committed_copies(rekeyed, committed, rekeyed_topic)
    people: dict[str, _Participant] = defaultdict(_Participant)
    for record in events:
        event = validate(record.value)
        if isinstance(event, Rejected):
            continue
        person = people[event.participant_id]
        where = (record.partition, record.offset)
        if person.first is None or where < person.first:
            person.first = where
        home = partition_of(event.participant_id, partitions)
        if record.partition == home:
            done = record.offset < committed.get((events_topic, record.partition), 0)
        else:  # counted where the worker forwarded it
            done = (event.participant_id, record.value) in forwarded
        if done:
            person.committed.append((event, where))
        else:
            person.uncommitted.append(event)
            report.uncommitted_events += 1
    stored = _stored(changelog)
    for participant_id in people.keys() | stored.keys():
        report.participants += 1
        difference = _compare(people.get(participant_id, _Participant()), stored.get(participant_id), day, owners)
        if difference is not None:
            report.differences.append(difference)
    report.differences.sort(key=lambda d: d.first or (-1, -1))
    return report


def _committed_copies(
    rekeyed: Iterable[KafkaRecord], committed: Mapping[Position, int], topic: str
) -> set[tuple[str, bytes | None]]:
    """(participant, value) of every forwarded copy whose offset is committed."""
    copies = set()
    for record in rekeyed:
        if record.key is not None and record.offset < committed.get((topic, record.partition), 0):
            copies.add((record.key.decode(), record.value))
    return copies


def _stored(changelog: Iterable[KafkaRecord]) -> dict[str, History]:
    """The last value of every key, as compaction would keep it; a tombstone removes it."""
    values: dict[str, bytes | None] = {}
    for record in changelog:
        if record.key is not None:
            values[record.key.decode()] = record.value
    return {key: decode_state(value)[1] for key, value in values.items() if value is not None}


def _compare(person: _Participant, stored: History | None, day: date, owners: Owners) -> Difference | None:
    must = _history((event for event, _ in person.committed), owners)
    every = _history([event for event, _ in person.committed] + person.uncommitted, owners)
    have = stored or History()
    have_ids = {(e.source, e.event_id) for e in have.events}
    known_ids = {(e.source, e.event_id) for e in every.events}
    owed = {(e.source, e.event_id) for e in must.events} - have_ids
    missing = tuple(sorted({where for event, where in person.committed if (event.source, event.event_id) in owed}))
    extra = len(have_ids - known_ids)
    differs = not person.uncommitted and not missing and not extra and have != must
    if not (missing or extra or differs):
        return None
    expected = every if not person.uncommitted else must
    region = (fold(expected).region_code if expected.events else None) or fold(have).region_code
    return Difference(
        person.first,
        region,
        missing,
        extra,
        differs,
        contribution_on(fold(have), day) is not None,
        contribution_on(fold(expected), day) is not None,
    )


def _history(events: Iterable[ParticipantEvent], owners: Owners) -> History:
    """The events in arrival order, each refused if its source did not own the participant then."""
    history = History()
    for event in events:
        if refusal(event, history.events[-1].region_code if history.events else None, owners) is None:
            history = apply(history, event)
    return history
