"""PartitionedTable against faust-streaming's own stores (the producer is a recording stand-in;
tests/integration proves the changelog on a real broker)."""

import asyncio
from types import SimpleNamespace

import faust
import pytest
from faust.types import TP

from streams.worker.faust_table import PartitionedTable


class SmallBatch:
    """Takes up to three records, as an aiokafka BatchBuilder takes what fits in its size."""

    def __init__(self):
        self.records = []

    def append(self, *, key, value, timestamp):
        if len(self.records) == 3:
            return None
        self.records.append((key, value))
        return object()

    def record_count(self):
        return len(self.records)


class RecordingClient:
    """The aiokafka producer Faust's producer sends with: records batches, acknowledges them at once."""

    def __init__(self):
        self.sent = []  # (topic, partition, [(key, value)])

    def create_batch(self):
        return SmallBatch()

    async def send_batch(self, batch, topic, *, partition):
        first_offset = 100 + sum(len(records) for _, _, records in self.sent)
        self.sent.append((topic, partition, batch.records))
        future = asyncio.get_running_loop().create_future()
        future.set_result(SimpleNamespace(offset=first_offset))
        return future


class RecordingProducer:
    def __init__(self):
        self.client = RecordingClient()

    def _ensure_producer(self):
        return self.client


def table_of(store: str, tmp_path):
    app = faust.App("ucj-table-test", broker="kafka://127.0.0.1:1", store=store, datadir=str(tmp_path))
    app._producer = RecordingProducer()  # App.producer is built on first use otherwise
    return app.Table("participants", partitions=8, key_type=bytes, value_type=bytes)


def test_the_worker_store_is_read_and_written_by_partition_without_faust_looking_keys_up(tmp_path):
    table = table_of("rocksdb://", tmp_path)
    io = PartitionedTable(table)
    assert io._rocksdb() is not None, "faust's rocksdb store changed: PartitionedTable would fall back to the slow path"
    values = {f"P-{n}": f"v{n}".encode() for n in range(7)}

    async def write():
        sent = await io.write(3, values)
        await asyncio.sleep(0)  # done callbacks run on the next loop turn
        return sent

    sent = asyncio.run(write())
    changelog = table.changelog_topic.get_topic_name()
    batches = table.app._producer.client.sent
    assert [(topic, partition, len(records)) for topic, partition, records in batches] == [
        (changelog, 3, 3),
        (changelog, 3, 3),
        (changelog, 3, 1),
    ]
    assert [record for _, _, records in batches for record in records] == [(k.encode(), v) for k, v in values.items()]
    assert [future.result().offset for future in sent] == [100, 103, 106]
    assert all(io.read(3, key) == value for key, value in values.items())
    assert io.read(4, "P-1") is None  # each partition keeps its own participants
    assert table.data.persisted_offset(TP(changelog, 3)) == 106  # recovery reads the changelog from there
    assert sorted(io.items([3])) == sorted(values.items())  # not the persisted offset
    assert list(io.items([4])) == []


def test_other_stores_go_through_the_public_table_api(tmp_path):
    table = table_of("memory://", tmp_path)
    io = PartitionedTable(table)
    assert io._rocksdb() is None

    async def write():
        return await io.write(1, {"P-1": b"one"})

    asyncio.run(write())
    assert io.read(1, "P-1") == b"one" and table.data[b"P-1"] == b"one"


@pytest.mark.parametrize("store", ["rocksdb://", "memory://"])
def test_nothing_pending_sends_nothing(store, tmp_path):
    table = table_of(store, tmp_path)
    assert asyncio.run(PartitionedTable(table).write(0, {})) == []
    assert table.app._producer.client.sent == []
