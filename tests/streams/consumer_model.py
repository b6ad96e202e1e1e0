"""The worker's real consumer over an in-memory broker, under any schedule of its await points.

The consumer is streams.worker.faust_batches.BatchingConsumer itself, with Faust's own Consumer methods
beneath it (commit, force_commit, _commit_offsets, perform_seek, on_partitions_revoked,
wait_empty, _filter_committable_offsets): only what touches Kafka or the consumer thread is
replaced. Its drain loop (`_drain_messages`) runs as a task, as does every commit and rebalance;
each of them stops at the points where the real one waits for the broker or the consumer thread
(a fetch, a producer flush, a changelog record's acknowledgement, an offset commit, a seek to
the committed offsets), and the schedule decides which of them goes on next, when a fetch
returns and how much it holds, and when the process is killed.

What the model keeps of Kafka and of aiokafka, as they behave:
- a fetch returns records from the consumer's positions, which move past what it returned;
- a seek to the committed offsets moves a position only where an offset was committed (aiokafka
  0.14 `seek_to_committed`);
- a rebalance of a static member that rejoins keeps its generation (KIP-345), and Faust's recovery
  resumes the partitions and the flow before its seek to the committed offsets returns
  (faust/tables/recovery.py `on_recovery_completed`, 0.15.3);
- a killed process loses memory; a changelog record in flight lands or not; the local store
  (RocksDB) keeps what was written to it, with the last acknowledged changelog offset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from faust.types import TP
from intervaltree import IntervalTree
from mode.utils.logging import CompositeLogger

from streams.batch import process_batch
from streams.broker.topics import DEAD_LETTER, PARTICIPANT_EVENTS, REKEYED_EVENTS
from streams.partitioning import partition_of
from streams.positions import Positions
from streams.processing import CoverageProcessor
from streams.worker.app import CoverageWorker
from streams.worker.faust_batches import Batches, BatchingConsumer
from streams.write_behind import WriteBehindStore

CHANGELOG = "changelog"
COUNTED = (PARTICIPANT_EVENTS, REKEYED_EVENTS)
log = logging.getLogger(__name__)


@dataclass(eq=False)  # hashable by identity, as Faust's messages
class Message:
    tp: TP
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: float = 0.0
    acked: bool = False
    refcount: int = 0

    @property
    def topic(self) -> str:
        return self.tp.topic

    @property
    def partition(self) -> int:
        return self.tp.partition


@dataclass
class Broker:
    partitions: int
    logs: dict = field(default_factory=lambda: defaultdict(list))  # TP -> [Message]
    committed: dict = field(default_factory=dict)  # TP -> offset

    def append(self, tp: TP, key: bytes | None, value: bytes | None) -> int:
        log_ = self.logs[tp]
        log_.append(Message(tp, len(log_), key, value))
        return len(log_) - 1

    def end(self, tp: TP) -> int:
        return len(self.logs[tp])


@dataclass
class Disk:
    """The worker's local store: what it wrote, and per partition the last acknowledged changelog offset."""

    values: dict = field(default_factory=lambda: defaultdict(dict))  # partition -> key -> value
    persisted: dict = field(default_factory=dict)  # partition -> changelog offset


class Gates:
    """Every point where a task waits for the broker: released one at a time by the schedule.

    A killed process's coroutines can still wake up once, from the cancellation (Faust's commit
    swallows a cancelled wait and commits anyway); a SIGKILL does nothing more, so a dead
    process's gates never open and never reach the broker."""

    def __init__(self) -> None:
        self.waiting: list[tuple[str, asyncio.Future, object]] = []
        self.alive = True

    def wait(self, name: str, on_release=None) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if self.alive:
            self.waiting.append((name, future, on_release))
        return future

    def release(self, index: int) -> None:
        name, future, on_release = self.waiting.pop(index % len(self.waiting))
        if not future.done():
            result = on_release() if on_release is not None else None
            future.set_result(result)


class _Stub:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class Producer:
    """Faust's producer as the consumer sees it: its buffer (flushed between slices when big) and flush."""

    def __init__(self, process: "Process"):
        self.process = process
        self.buffer = self

    @property
    def size(self) -> int:
        return 0

    async def flush(self) -> None:  # every send made so far, acknowledged
        sends = [future for future in self.process.sends if not future.done()]
        if sends:
            await asyncio.wait(sends)


class ModelConsumer(BatchingConsumer):
    """BatchingConsumer with the broker, the consumer thread and the app replaced; built without
    Service.__init__ (no loop, no thread), every attribute the real methods read set below."""

    def _commit(self, offsets):  # the OffsetCommit request
        def committed():
            self.process.broker.committed.update({TP(tp.topic, tp.partition): offset for tp, offset in offsets.items()})
            return True

        return self.process.gates.wait("offset commit", committed)

    async def seek_to_committed(self):
        """aiokafka's, on the consumer thread: the positions move when it runs there, and the answer
        reaches the caller later, so a fetch can return in between."""
        process = self.process

        def seek():
            found = {}
            for tp in self.assignment():
                found[tp] = offset = process.broker.committed.get(tp)
                if offset:  # aiokafka 0.14: only a committed offset above 0 moves the position
                    process.fetch_positions[tp] = offset
            return found

        found = await process.gates.wait("seek to committed offsets", seek)
        await process.gates.wait("seek returns")
        return found

    async def earliest_offsets(self, *tps):
        return {tp: 0 for tp in tps}

    def assignment(self):
        return set(self.process.assigned)

    def highwater(self, tp):
        return self.process.broker.end(tp)

    async def getmany(self, timeout):
        """Faust's Consumer.getmany (0.15.3): a fetch, then its records while the flow and generation hold."""
        process = self.process
        records = await process.gates.wait("fetch", process.fetched)
        generation = self.app.consumer_generation_id
        if not self.flow_active:
            return
        for message in records:
            if not self.flow_active or self.app.consumer_generation_id != generation:
                break
            if message.tp in self._get_active_partitions():
                yield message.tp, message

    async def sleep(self, seconds):
        await asyncio.sleep(0)

    async def crash(self, reason):
        self.process.crashed = reason


class _Thread:
    def __init__(self, process: "Process"):
        self.process = process

    async def call_thread(self, fun, *args):
        await self.process.gates.wait("thread call returns")
        return fun(*args)

    def seek(self, tp, offset):
        if self.process.gates.alive:
            self.process.fetch_positions[tp] = offset


class _App:
    def __init__(self, process: "Process"):
        self.process = process
        self.consumer_generation_id = 1
        self.producer = Producer(process)
        self.client_only = False
        self.in_transaction = False
        self.sensors = self.monitor = _Stub()
        self.tables = _Stub()
        self.topics = self
        self.app = self  # as the transport: transport.app
        self._attachments = self  # nothing is attached to offsets here
        self.should_stop = False

    def acks_enabled_for(self, topic):
        return True

    async def publish_for_tp_offset(self, tp, offset):
        return []

    def _start_span_from_rebalancing(self, name):
        return contextlib.nullcontext()

    def on_rebalance_return(self):
        pass


class Process:
    """One incarnation of the worker: its consumer, its state, and the tasks it runs."""

    limit = 3  # records per slice: small, so a fetch spans several slices

    def __init__(self, broker: Broker, disk: Disk, gates: Gates, tree, clock, fetch_size: list[int]):
        self.broker, self.disk, self.gates = broker, disk, gates
        self.fetch_size = fetch_size  # the next fetch takes this many records per partition (set by the schedule)
        self.sends: list[asyncio.Future] = []
        self.crashed = None
        self.assigned = {TP(topic, p) for topic in COUNTED for p in range(broker.partitions)}
        self.fetch_positions: dict[TP, int] = {tp: broker.committed.get(tp, 0) for tp in self.assigned}
        self.store = WriteBehindStore(_Table(self))
        self.processor = CoverageProcessor(tree, self.store, clock)
        self.consumer = self._consumer()
        self.tasks: list[asyncio.Task] = []

    def _consumer(self) -> ModelConsumer:
        consumer = object.__new__(ModelConsumer)
        consumer.process = self
        consumer.app = _App(self)
        consumer.batches = Batches(frozenset(COUNTED), self.handle, self.before_commit, limit=self.limit, max_unsent=-1)
        consumer.positions = Positions()
        consumer._read_again_from = {}
        consumer._thread = _Thread(self)
        consumer.log = CompositeLogger(log)
        consumer.diag = _Stub()
        consumer.transport = consumer.app
        consumer.callback = None
        consumer.flow_active = True
        consumer.can_resume_flow = asyncio.Event()
        consumer._stopped, consumer._crashed = asyncio.Event(), asyncio.Event()
        consumer._read_offset = defaultdict(lambda: None)
        consumer._committed_offset = defaultdict(lambda: None)
        consumer._acked = defaultdict(list)
        consumer._acked_index = defaultdict(set)
        consumer._gap = defaultdict(IntervalTree)
        consumer._unacked_messages = set()
        consumer._waiting_for_ack = None
        consumer._n_acked = 0
        consumer._commit_every = 7
        consumer._commit_fut = None
        consumer._active_partitions = None
        consumer._paused_partitions = set()
        consumer._buffered_partitions = set()
        consumer.in_transaction = False
        consumer._on_partitions_revoked = self._app_revoked
        consumer._on_partitions_assigned = self._app_assigned
        consumer.consumer_stopped_errors = ()
        consumer._loop = asyncio.get_running_loop()
        return consumer

    # -- the broker side of a fetch

    def fetched(self) -> list[Message]:
        """What a fetch returns: from each active partition's position, up to the schedule's size; positions move past it."""
        records = []
        active = self.consumer._get_active_partitions()
        for tp in sorted(self.assigned, key=lambda t: (t.topic, t.partition)):
            if tp not in active:
                continue
            start = self.fetch_positions[tp]
            got = self.broker.logs[tp][start : start + self.fetch_size[0]]
            records += [Message(m.tp, m.offset, m.key, m.value) for m in got]
            self.fetch_positions[tp] = start + len(got)
        return records

    # -- the worker: CoverageWorker's chain, and its write_pending itself

    def handle(self, messages: list) -> None:
        result = process_batch(self.processor, messages, PARTICIPANT_EVENTS, self.broker.partitions)
        for key, value in result.rekeyed:
            self.send(TP(REKEYED_EVENTS, partition_of(key.decode(), self.broker.partitions)), key, value)
        for message, rejection in result.dead_letters:
            self.send(TP(DEAD_LETTER, 0), message.key, rejection.reason.encode())

    def before_commit(self, *partitions):
        return CoverageWorker.write_pending(self, *partitions)  # self has what it uses: store, table_io

    @property
    def table_io(self) -> "_Table":
        return self.store.backing

    def send(self, tp: TP, key, value) -> asyncio.Future:
        future = self.gates.wait(f"send to {tp.topic}", lambda: self.broker.append(tp, key, value))
        self.sends.append(future)
        return future

    # -- Faust's app during a rebalance (faust/app/base.py _on_partitions_revoked, 0.15.3)

    async def _app_revoked(self, revoked) -> None:
        consumer = self.consumer
        consumer.flow_active = False  # consumer.stop_flow()
        consumer.pause_partitions(consumer.assignment())
        await consumer.wait_empty()
        await consumer.app.producer.flush()
        partitions = {tp.partition for tp in revoked if tp.topic == PARTICIPANT_EVENTS}
        self.store.drop(partitions)  # CoverageWorker.partitions_revoked
        self.processor.forget(partitions)

    async def _app_assigned(self, assigned, generation_id) -> None:
        self.consumer.pause_partitions(assigned)  # App._on_partitions_assigned: paused until recovered

    async def rebalance(self) -> None:
        """A static member rejoining: every partition revoked and assigned again, the generation kept."""
        consumer = self.consumer
        await consumer.on_partitions_revoked(set(self.assigned))
        await consumer.on_partitions_assigned(set(self.assigned), consumer.app.consumer_generation_id)
        self.recover()
        consumer.flow_active = True  # recovery resumes the flow to read the changelogs
        consumer.resume_partitions(self.assigned)  # Recovery.on_recovery_completed: resumed before the seek returns
        await consumer.perform_seek()
        consumer.flow_active = True

    def recover(self) -> None:
        """The table from the local store, then the changelog past its last acknowledged offset."""
        for partition in range(self.broker.partitions):
            tp = TP(CHANGELOG, partition)
            for record in self.broker.logs[tp][self.disk.persisted.get(partition, -1) + 1 :]:
                self.disk.values[partition][record.key.decode()] = record.value
            if self.broker.logs[tp]:
                self.disk.persisted[partition] = len(self.broker.logs[tp]) - 1
        self.processor.rebuild(range(self.broker.partitions))

    def start(self) -> None:
        """A new incarnation: recovery, then the drain loop, running while the seek to the committed offsets waits."""
        self.recover()
        consumer = self.consumer
        consumer._set_active_tps(self.assigned)
        self.spawn(consumer._drain_messages(_Fetcher()))
        self.spawn(consumer.perform_seek())

    def spawn(self, coroutine) -> None:
        self.tasks.append(asyncio.ensure_future(coroutine))

    def failures(self) -> list[BaseException]:
        return [t.exception() for t in self.tasks if t.done() and not t.cancelled() and t.exception() is not None]

    def kill(self, in_flight_lands: bool) -> None:
        """SIGKILL: changelog and forwarded records in flight land on the broker or not; nothing else happens."""
        gates = self.gates
        gates.alive = False
        waiting, gates.waiting = gates.waiting, []
        for name, _future, on_release in waiting:
            if in_flight_lands and name.startswith("send") and on_release is not None:
                on_release()
        for task in self.tasks:
            task.cancel()


class _Fetcher:
    def __init__(self) -> None:
        self._stopped = asyncio.Event()


class _Table:
    """PartitionedTable.write's order (streams/worker/faust_table.py): send, write the local store, and
    persist the changelog offset once the record is acknowledged."""

    def __init__(self, process: Process):
        self.process = process

    def read(self, partition: int, participant_id: str):
        return self.process.disk.values[partition].get(participant_id)

    def items(self, partitions):
        for partition in partitions:
            yield from self.process.disk.values[partition].items()

    async def write(self, partition: int, values: dict) -> list[asyncio.Future]:
        process = self.process
        tp = TP(CHANGELOG, partition)
        sent = []
        last = None
        for key, value in values.items():
            future = process.send(tp, key.encode(), value)
            sent.append(future)
            last = future
        if process.gates.alive:
            process.disk.values[partition].update(values)

        def persisted(future: asyncio.Future) -> None:
            if not future.cancelled() and process.gates.alive:
                process.disk.persisted[partition] = future.result()

        last.add_done_callback(persisted)
        return sent
