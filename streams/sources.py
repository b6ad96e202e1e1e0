"""Events by source: who sent what, with the `source` label bounded to the registry's names.

An event's `source` is the producing system. The gateway stamps it with the calling source's
registry name (`ucj sources add`); a direct Kafka producer may write any valid name. So the
label is the event's own `source` when the registry knows that name (revoked sources included:
their events still carry it), and `other` for anything else: a producer cannot grow the label
set past the registered names + 1.

The worker's chain (streams/batch.py) tallies each batch by the source as sent; `SourceActivity`
bounds a batch's tally once per batch and keeps the worker's totals for /metrics. The last
event of a source is the Kafka timestamp of the newest message naming it that the worker
processed, whatever its outcome: when the source sent, not when the worker caught up, so a
replay or a backlog does not make a silent source look alive.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import AbstractSet, Mapping

OTHER = "other"  # every source the registry does not know
# a batch naming a source the worker does not know makes it read the registry's sources again,
# at most this often: a source just added (`ucj sources add`) is labelled by its name from its
# first events on, and a producer sending unknown names costs one small query per interval
UNKNOWN_SOURCE_REFRESH_SECONDS = 5.0


def source_label(source: str, registered: AbstractSet[str]) -> str:
    """The label of an event's `source`: its own name when registered, else `other`."""
    return source if source in registered else OTHER


def names_unknown(tally: Mapping[tuple[str, str], int], registered: AbstractSet[str]) -> bool:
    """Whether a batch's tally names a source the registry did not hold when last read ("" is no name)."""
    return any(source not in registered and source for source, _ in tally)


def claimed_source(raw: bytes | None) -> str:
    """The `source` an invalid message names, or "" when it names none (not a JSON object,
    no string `source`). Read only for rejected messages, which are rare."""
    try:
        body = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):  # not UTF-8 or not JSON (UnicodeDecodeError is a ValueError)
        return ""
    source = body.get("source") if isinstance(body, dict) else None
    return source if isinstance(source, str) else ""


def bounded(
    tally: Mapping[tuple[str, str], int], latest: Mapping[str, float], registered: AbstractSet[str]
) -> tuple[Counter[tuple[str, str]], dict[str, float]]:
    """A batch's (source, outcome) -> events and source -> newest timestamp, by label."""
    events: Counter[tuple[str, str]] = Counter()
    for (source, outcome), n in tally.items():
        events[source_label(source, registered), outcome] += n
    newest: dict[str, float] = {}
    for source, timestamp in latest.items():
        label = source_label(source, registered)
        if timestamp > newest.get(label, float("-inf")):
            newest[label] = timestamp
    return events, newest


@dataclass
class SourceActivity:
    """What this worker processed from each source since it started, by label."""

    events: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, outcome) -> events
    latest: dict[str, float] = field(default_factory=dict)  # label -> newest Kafka timestamp (Unix seconds)

    def add(
        self, tally: Mapping[tuple[str, str], int], latest: Mapping[str, float], registered: AbstractSet[str]
    ) -> None:
        """One batch's tally (streams/batch.py BatchResult.by_source, .latest)."""
        events, newest = bounded(tally, latest, registered)
        self.events.update(events)
        for label, timestamp in newest.items():
            if timestamp > self.latest.get(label, float("-inf")):  # partitions are not in time order
                self.latest[label] = timestamp
