"""The participant table read and written by partition, on private parts of faust-streaming 0.15.3.

Faust's table API finds a key's partition from the current event; without one, a read asks
every partition's RocksDB twice (`__contains__`, then `__getitem__`), and each write goes one
record at a time through the topic's FutureMessage, the producer buffer and two callbacks. The
worker knows every key's partition, and writes at commits only, so it reads the partition's
own store and writes each partition's pending values as one RocksDB WriteBatch and as few
changelog record batches as they fit in (aiokafka's send_batch), in Faust's order: changelog,
then local store, then the persisted offset once the last record is acknowledged.

tests/streams/worker/test_faust_adapter.py fails when faust-streaming's version moves: check each
function below against the new version's source, then move faust_adapter.FAUST_VERSION.
"""

from __future__ import annotations

import asyncio
from typing import Iterable, Iterator

from faust.types import TP

try:  # the store faust-streaming 0.15.3 uses for rocksdb:// when rocksdict is installed
    from faust.stores.rocksdb import Store as RocksDBStore
    from rocksdict import WriteBatch
except ImportError:  # pragma: no cover - rocksdict is a dependency of the worker
    RocksDBStore = None  # type: ignore[misc,assignment]


class PartitionedTable:
    """A faust.Table of bytes -> bytes (raw serializers), seen as str -> bytes per partition."""

    def __init__(self, table):
        self.table = table

    def _rocksdb(self):
        store = self.table.data
        return store if RocksDBStore is not None and isinstance(store, RocksDBStore) and store.use_rocksdict else None

    def read(self, partition: int, participant_id: str) -> bytes | None:
        store = self._rocksdb()
        if store is None:
            return self.table.get(participant_id.encode())
        # mirrors rocksdb.Store._get with a current event (0.15.3), without looking it up
        return store._db_for_partition(partition).get(participant_id.encode())

    def items(self, partitions: Iterable[int]) -> Iterator[tuple[str, bytes]]:
        """Every participant of these partitions; with a store other than RocksDB, every one."""
        store = self._rocksdb()
        if store is None:
            yield from ((key.decode(), value) for key, value in self.table.items())
            return
        hidden = store.offset_key
        for partition in partitions:  # mirrors rocksdb.Store._visible_items (0.15.3), one partition's db
            for key, value in store._db_for_partition(partition).items():
                if key != hidden:
                    yield key.decode(), value

    async def write(self, partition: int, values: dict[str, bytes]) -> list[asyncio.Future]:
        """Mirrors ManagedUserDict.__setitem__ and Table.on_key_set (0.15.3) for many keys of one
        partition. Returns the changelog sends: acknowledged, or failed, once the producer is flushed."""
        if not values:
            return []
        table = self.table
        topic = table.changelog_topic.get_topic_name()
        encoded = [(key.encode(), value) for key, value in values.items()]
        sent = await _send_in_batches(table.app.producer._ensure_producer(), topic, partition, encoded)
        store = self._rocksdb()
        if store is None:
            for key, value in encoded:
                table.data[key] = value
        else:
            batch = WriteBatch(raw_mode=True)
            for key, value in encoded:
                batch.put(key, value)
            store._db_for_partition(partition).write(batch)
        last, records = sent[-1]
        changelog = TP(topic, partition)

        def persisted(
            future: asyncio.Future,
        ) -> None:  # Collection._on_changelog_sent, once: recovery reads the changelog from there
            if not future.cancelled() and future.exception() is None:
                table.data.set_persisted_offset(changelog, future.result().offset + records - 1)

        last.add_done_callback(persisted)
        return [future for future, _ in sent]


async def _send_in_batches(
    client, topic: str, partition: int, records: list[tuple[bytes, bytes]]
) -> list[tuple[asyncio.Future, int]]:
    """The records to one partition as few record batches as they fit (aiokafka's send_batch): per
    batch, the future of its first offset and its number of records."""
    sent, batch = [], client.create_batch()
    for key, value in records:
        if batch.append(key=key, value=value, timestamp=None) is None:  # full: an empty one takes any record
            sent.append((await client.send_batch(batch, topic, partition=partition), batch.record_count()))
            batch = client.create_batch()
            batch.append(key=key, value=value, timestamp=None)
    sent.append((await client.send_batch(batch, topic, partition=partition), batch.record_count()))
    return sent
