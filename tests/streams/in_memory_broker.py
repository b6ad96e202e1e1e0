"""An in-memory broker and a worker over it: the worker's own chain (process_batch, the
write-behind store, flush before commit) with Faust and Kafka replaced by lists.

A crash loses everything in memory: the store's pending writes, the counts and the read
positions. A restart recovers the table from the changelog and reads again from the committed
offsets, as a Faust worker does.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from streams.batch import Record, process_batch
from streams.broker.topics import DEAD_LETTER, PARTICIPANT_EVENTS, REKEYED_EVENTS
from streams.domain.counts import merged, roll_up
from streams.partitioning import partition_of
from streams.processing import CoverageProcessor
from streams.write_behind import WriteBehindStore

CHANGELOG = "participants-changelog"
COUNTED = (PARTICIPANT_EVENTS, REKEYED_EVENTS)


class InMemoryBroker:
    def __init__(self, partitions: int):
        self.partitions = partitions
        self.logs: dict[tuple[str, int], list[Record]] = defaultdict(list)
        self.committed: dict[tuple[str, int], int] = {}
        self._round_robin = itertools.count()

    def produce(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None) -> None:
        if partition is None:  # as Kafka's default partitioner: by key, else spread
            partition = (
                partition_of(key.decode(), self.partitions) if key else next(self._round_robin) % self.partitions
            )
        log = self.logs[topic, partition]
        log.append(Record(topic, partition, len(log), 0.0, key, value))

    def fetch(self, topic: str, partition: int, start: int, limit: int) -> list[Record]:
        return self.logs[topic, partition][start : start + limit]


class InMemoryWorker:
    def __init__(self, broker: InMemoryBroker, tree, clock):
        self.broker, self.tree, self.clock = broker, tree, clock
        self.restart()

    def restart(self) -> None:
        """A new process: the table recovered from the changelog, positions from the committed offsets."""
        table: dict[str, bytes] = {}
        for partition in range(self.broker.partitions):
            for record in self.broker.logs[CHANGELOG, partition]:
                table[record.key.decode()] = record.value
        self.table = table
        self.store = WriteBehindStore(table)
        self.processor = CoverageProcessor(self.tree, self.store, self.clock)
        self.processor.rebuild(range(self.broker.partitions))
        self.positions = {
            (topic, p): self.broker.committed.get((topic, p), 0)
            for topic in COUNTED
            for p in range(self.broker.partitions)
        }

    def step(self, limit: int) -> int:
        """One fetch of up to `limit` records per partition of the counted topics; returns how many."""
        taken = 0
        for key, start in list(self.positions.items()):
            records = self.broker.fetch(*key, start, limit)
            if not records:
                continue
            result = process_batch(self.processor, records, PARTICIPANT_EVENTS, self.broker.partitions)
            for participant, value in result.rekeyed:
                self.broker.produce(REKEYED_EVENTS, participant, value)
            for record, rejection in result.dead_letters:
                self.broker.produce(DEAD_LETTER, record.key, rejection.reason.encode())
            self.positions[key] = start + len(records)
            taken += len(records)
        return taken

    def commit(self, partitions_written: int | None = None) -> None:
        """Pending state to the table and changelog, then the offsets; `partitions_written` cuts the
        flush short (a crash in the middle of it): then nothing is committed."""
        written = itertools.count()

        def write(partition: int, values: dict[str, bytes]) -> None:
            if partitions_written is not None and next(written) >= partitions_written:
                raise InterruptedError("crashed while writing")
            for participant_id, value in values.items():
                self.table[participant_id] = value
                self.broker.produce(CHANGELOG, participant_id.encode(), value, partition)

        self.store.flush(write)
        self.broker.committed.update(self.positions)

    def run_to_end(self) -> None:
        while self.step(1000):
            pass
        self.commit()

    def active_by_region(self) -> dict[str, int]:
        totals = roll_up(merged(c.active for c in self.processor.counts.values()).items(), self.tree)
        return {code: sum(by_breakdown.values()) for code, by_breakdown in totals.items()}
