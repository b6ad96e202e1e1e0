"""A per-participant write-behind cache in front of the participant table.

Kafka Streams' record cache and Quix Streams' checkpoints do the same: a participant written
many times between two commits costs one changelog record and one store write, at the commit.
Reads see the pending writes. The worker flushes before every offset commit, so a crash loses
only writes whose offsets were not committed: they are processed again, and the fold is
idempotent.
"""
from __future__ import annotations

from typing import Callable, Iterator, MutableMapping


class WriteBehindStore:
    """participant_id -> bytes over `backing` (get, items, __setitem__), holding writes until `flush`."""

    def __init__(self, backing: MutableMapping[str, bytes]):
        self.backing = backing
        self.partition: int | None = None  # set by the caller before writing: where the writes belong
        self._pending: dict[str, tuple[int, bytes]] = {}

    def get(self, participant_id: str, default=None):
        pending = self._pending.get(participant_id)
        if pending is not None:
            return pending[1]
        return self.backing.get(participant_id, default)

    def __setitem__(self, participant_id: str, value: bytes) -> None:
        if self.partition is None:
            raise RuntimeError("set the partition before writing")
        self._pending[participant_id] = (self.partition, value)

    def __len__(self) -> int:
        return len(self._pending)

    def values(self) -> Iterator[bytes]:
        """Every stored value, pending writes instead of what they replace."""
        pending = {key: value for key, (_, value) in self._pending.items()}
        for key, value in self.backing.items():
            yield pending.pop(key, value) if pending else value
        yield from pending.values()

    def flush(self, write: Callable[[int, dict[str, bytes]], None]) -> int:
        """Hand the pending writes to `write(partition, {participant_id: value})`, partition by partition.

        A write that fails keeps what was not yet written pending, so nothing is lost.
        """
        by_partition: dict[int, dict[str, bytes]] = {}
        for participant_id, (partition, value) in self._pending.items():
            by_partition.setdefault(partition, {})[participant_id] = value
        written = 0
        for partition, values in by_partition.items():
            write(partition, values)
            for participant_id in values:
                del self._pending[participant_id]
            written += len(values)
        return written

    def drop(self, partitions) -> None:
        """Forget pending writes of partitions no longer ours (their offsets were not committed)."""
        wanted = set(partitions)
        self._pending = {k: v for k, v in self._pending.items() if v[0] not in wanted}
