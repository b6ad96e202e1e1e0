"""The port the chain keeps participant state in: participant_id -> encoded state, by partition.

`CoverageProcessor` reads and writes through it and nothing else: every read and write names
the partition of the participant's events, so no adapter has to be told where to look first.
Two adapters satisfy it: `WriteBehindStore` (streams/write_behind.py, in the worker: over the
Faust table, `faust_table.PartitionedTable`, written at each commit) and `InMemoryStore` below
(a plain dict, every partition in one: tests and the simulator's in-process runs).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from typing import Protocol


class ParticipantStore(Protocol):
    def get(self, partition: int, participant_id: str) -> bytes | None:
        """The participant's stored state, None when there is none."""

    def put(self, partition: int, participant_id: str, value: bytes) -> None:
        """Store the participant's state, in the partition its events are on."""

    def values_of(self, partitions: Iterable[int]) -> Iterator[bytes]:
        """At least every stored value of these partitions (possibly more: each value names its partition)."""


class InMemoryStore:
    """A ParticipantStore over a plain dict, every partition in one."""

    def __init__(self, data: MutableMapping[str, bytes] | None = None):
        self.data: MutableMapping[str, bytes] = {} if data is None else data

    def get(self, partition: int, participant_id: str) -> bytes | None:
        return self.data.get(participant_id)

    def put(self, partition: int, participant_id: str, value: bytes) -> None:
        self.data[participant_id] = value

    def values_of(self, partitions: Iterable[int]) -> Iterator[bytes]:
        return iter(self.data.values())
