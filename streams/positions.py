"""Where the worker's handled records end, per counted topic partition: the offsets it may commit.

A partition's position starts at its committed offset once its state is recovered, and moves
one record at a time: a record is handed to the worker only when it is exactly the next one.
An earlier record was handled already. A later one is a hole: records the consumer fetched
before a seek rewound the partition (a rebalance, a static member rejoining under the same
generation, or a fetch that returned while its positions were being reset). Those are not
handed over, and the partition must be read again from its position.

So an offset committed from here always ends a contiguous run of handled records that starts
at the partition's committed offset, whatever the framework's own bookkeeping says: no
interleaving of fetches, seeks, rebalances and commits can commit an offset whose record was
not folded into the state written before it. The counted topics never lose records (the
events topic is kept forever, and neither it nor the re-keyed topic is compacted or
transactional), so a hole is never data that is gone.
"""

from __future__ import annotations

from typing import Generic, Hashable, Iterable, Protocol, TypeVar

Partition = TypeVar("Partition", bound=Hashable)
_Partition_co = TypeVar("_Partition_co", bound=Hashable, covariant=True)


class Positioned(Protocol[_Partition_co]):
    @property
    def tp(self) -> _Partition_co: ...

    @property
    def offset(self) -> int: ...


class Positions(Generic[Partition]):
    def __init__(self) -> None:
        self._next: dict[Partition, int] = {}

    def start(self, partition: Partition, offset: int) -> None:
        """The partition's state is ready; its next record to hand over is at `offset` (its committed offset)."""
        self._next[partition] = offset

    def forget(self, partitions: Iterable[Partition]) -> None:
        """Revoked: none of their records is handed over until they start again."""
        for partition in partitions:
            self._next.pop(partition, None)

    def take(
        self, records: Iterable[Positioned[Partition]]
    ) -> tuple[list[Positioned[Partition]], dict[Partition, int]]:
        """The records that continue their partition's run, in order, each partition's position moved past them;
        and the partitions that showed a hole, with the offset to read them again from (none of
        their records after the hole is taken)."""
        taken: list[Positioned[Partition]] = []
        holes: dict[Partition, int] = {}
        positions = self._next
        for record in records:
            partition = record.tp
            expected = positions.get(partition)
            if expected is None or partition in holes:  # not ours or not recovered yet; or read again from the hole
                continue
            offset = record.offset
            if offset == expected:
                taken.append(record)
                positions[partition] = offset + 1
            elif offset > expected:
                holes[partition] = expected
        return taken, holes

    def committable(self) -> dict[Partition, int]:
        """Each started partition's position: every record before it has been handed over."""
        return dict(self._next)
