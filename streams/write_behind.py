"""A per-participant write-behind cache in front of the participant table.

Kafka Streams' record cache and Quix Streams' checkpoints do the same: a participant written
many times between two commits costs one changelog record and one store write, at the commit.
Reads see the pending writes. The worker flushes before every offset commit, so a crash loses
only writes whose offsets were not committed: they are processed again, and the fold is
idempotent.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Mapping, Protocol


class Backing(Protocol):
    """Where written values live: the participant table in production."""

    def read(self, partition: int, participant_id: str) -> bytes | None: ...

    def items(self, partitions: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        """At least every participant of these partitions (possibly more)."""


class MappingBacking:
    """A plain mapping as the backing, every partition in one: for tests and in-memory use."""

    def __init__(self, data: Mapping[str, bytes]):
        self.data = data

    def read(self, partition: int, participant_id: str) -> bytes | None:
        return self.data.get(participant_id)

    def items(self, partitions: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        return iter(self.data.items())


class WriteBehindStore:
    """A ParticipantStore (streams/participant_store.py) over a backing, holding writes until they are flushed."""

    def __init__(self, backing: Backing | Mapping[str, bytes]):
        self.backing = MappingBacking(backing) if isinstance(backing, Mapping) else backing
        self._pending: dict[str, tuple[int, bytes]] = {}

    def get(self, partition: int, participant_id: str) -> bytes | None:
        pending = self._pending.get(participant_id)
        if pending is not None:
            return pending[1]
        return self.backing.read(partition, participant_id)

    def put(self, partition: int, participant_id: str, value: bytes) -> None:
        self._pending[participant_id] = (partition, value)

    def __len__(self) -> int:
        return len(self._pending)

    def values_of(self, partitions: Iterable[int]) -> Iterator[bytes]:
        """At least every value of these partitions (possibly more), pending writes instead of what they replace."""
        wanted = set(partitions)
        pending = {key: value for key, (partition, value) in self._pending.items() if partition in wanted}
        for key, value in self.backing.items(wanted):
            yield pending.pop(key, value) if pending else value
        yield from pending.values()

    def pending(self) -> dict[int, dict[str, bytes]]:
        """The pending writes by partition: hand each to the backing, then to `written`."""
        by_partition: dict[int, dict[str, bytes]] = {}
        for participant_id, (partition, value) in self._pending.items():
            by_partition.setdefault(partition, {})[participant_id] = value
        return by_partition

    def written(self, values: Mapping[str, bytes]) -> None:
        """These writes reached the backing; a participant written again since stays pending."""
        pending = self._pending
        for participant_id, value in values.items():
            if pending.get(participant_id, (None, None))[1] is value:
                del pending[participant_id]

    def flush(self, write: Callable[[int, dict[str, bytes]], None]) -> int:
        """Hand the pending writes to `write(partition, {participant_id: value})`, partition by partition.

        A write that fails keeps what was not yet written pending, so nothing is lost.
        """
        written = 0
        for partition, values in self.pending().items():
            write(partition, values)
            self.written(values)
            written += len(values)
        return written

    def drop(self, partitions) -> None:
        """Forget pending writes of partitions no longer ours (their offsets were not committed)."""
        wanted = set(partitions)
        self._pending = {k: v for k, v in self._pending.items() if v[0] not in wanted}
