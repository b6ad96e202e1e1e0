"""Batch consumption of the counted topics, on private parts of faust-streaming 0.15.3.

Faust hands every message to its streams one at a time: per message a handful of tasks, the
conductor, an Event, a channel queue and a stream iterator. For the counted topics that path
costs more than the work, so this consumer hands each fetch of them to the worker in one
synchronous call. Every other topic (changelogs, partials) keeps Faust's own path, and so do
tables, recovery, rebalancing, timers, the web server and offset commits.

Exactness rests on two things:
- which records are handed over, and so which offsets can be committed, is decided by the
  counted partitions' positions (streams/positions.py) alone, not by Faust's read offsets, acks
  and gaps, which a rebalance resets while records fetched before it are still being handed over;
- the commit order: the offsets are taken, the worker writes the pending state of the partitions
  it counts into the table and its changelog (streams/worker/faust_table.py), the producer buffer is
  drained into the Kafka client and the client flushed, and only once every changelog record is
  acknowledged are the offsets committed.

tests/streams/worker/test_faust_adapter.py fails when faust-streaming's version moves: check each
override below against the new version's source, then move faust_adapter.FAUST_VERSION.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Iterable

from aiokafka.errors import IllegalStateError
from faust.exceptions import ProducerSendError
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.transport.producer import ProducerBuffer

from streams.positions import Positions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batches:
    """What the worker gives the consumer: which topics it takes in batches, and its two calls."""

    topics: frozenset[str]
    handle: Callable[[list], None]  # a slice of one fetch of those topics' messages, in order per partition
    # write the pending state of these partitions (those counted now) into the table; its changelog sends
    before_commit: Callable[[frozenset[int]], Awaitable[list[asyncio.Future]]]
    limit: int = 2000  # messages per call: bounds how long the event loop waits for one
    max_unsent: int = 20_000  # records in the producer buffer above which consumption waits


# How long the broker may hold a fetch that finds no new record. Faust's worker consumer fixes
# it at 1.5 s. aiokafka keeps one fetch in flight per broker and leaves out of it every
# partition that still has fetched records the worker has not taken. So once a slice takes the
# worker longer than aiokafka's prefetch backoff (0.1 s), the next fetch can hold only idle
# partitions (the re-keyed topic, partials), and the busy ones wait up to this long behind it
# with their records in the broker: a 1.5 s stall, which then repeats as the backlog grows.
FETCH_MAX_WAIT_MS = 50


class BatchingConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport):
        """AIOKafkaConsumerThread._create_worker_consumer (0.15.3), with FETCH_MAX_WAIT_MS."""
        consumer = super()._create_worker_consumer(transport)
        # aiokafka keeps the setting here until start() hands it to its Fetcher (aiokafka 0.14)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class BatchingConsumer(aiokafka_driver.Consumer):
    batches: Batches | None = None
    positions: Positions  # set by BatchingTransport.create_consumer
    _read_again_from: dict  # partition -> the offset it was last sought back to, to say it once

    def _new_consumer_thread(self):
        """Mirrors Consumer._new_consumer_thread (0.15.3)."""
        return BatchingConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _drain_messages(self, fetcher) -> None:
        """Mirrors faust/transport/consumer.py Consumer._drain_messages (0.15.3), batching self.batches.topics."""
        batches = self.batches
        batch_topics = batches.topics if batches else frozenset()
        callback = self.callback
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        acks_enabled_for = self.app.topics.acks_enabled_for
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag(CONSUMER_FETCHING)
                batch: list = []
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in self.getmany(timeout=1.0):
                        if message.topic in batch_topics:
                            batch.append(message)
                        else:
                            await self._one_by_one(tp, message, callback, acks_enabled_for)
                    if batch:
                        await self._take_batch(batch)
                self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)

    async def _one_by_one(self, tp, message, callback, acks_enabled_for) -> None:
        """Faust's own per-message path, unchanged."""
        offset = message.offset
        r_offset = self._read_offset[tp]
        if r_offset is None or offset >= r_offset:
            gap = offset - (r_offset or 0)
            if gap > 1 and r_offset and acks_enabled_for(message.topic):
                await self._add_gap(tp, r_offset + 1, offset)
            await self._commit_if_due()
            await self.wait_first(callback(message), self.suspend_flow.wait())
            self._read_offset[tp] = offset

    async def _take_batch(self, batch: list) -> None:
        """Hand `batch` over in slices of at most batches.limit, so the event loop (heartbeats,
        timers, the web server) runs between them however much one fetch returned.

        Which records are handed over is decided by self.positions alone, in the same step as the
        handing over: a record continues its partition's handled run or is not taken. Faust's
        read offsets, acks and gaps are not used for these topics: around a rebalance they are
        reset while records fetched before are still being handed over (its recovery resumes the
        partitions before its seek to the committed offsets returns, and a static member rejoins
        under the same generation), and then gaps are marked over records never handled."""
        batches = self.batches
        assert batches is not None  # set by the worker before the consumer starts
        limit = batches.limit
        read_offset = self._read_offset
        for start in range(0, len(batch), limit):
            if not self.flow_active or self.should_stop:  # a rebalance started: what is left is read again
                return
            fresh, holes = self.positions.take(batch[start : start + limit])
            if fresh:
                batches.handle(fresh)
                for message in fresh:  # Faust's monitors read it; nothing here decides by it
                    read_offset[message.tp] = message.offset
                self._n_acked += len(fresh)
            if holes:
                await self._read_again(holes)
            await self._commit_if_due()
            buffer = self.app.producer.buffer
            if buffer.size > batches.max_unsent:  # Faust's conductor waits below 100, per message
                await buffer.flush()
            await asyncio.sleep(0)

    async def _read_again(self, holes: dict) -> None:
        """Seek each partition back to its position: its records from there were fetched before a seek rewound it."""
        for tp, offset in holes.items():
            try:
                await self._seek_in_thread(tp, offset)
            except IllegalStateError:  # revoked meanwhile
                continue
            if self._read_again_from.get(tp) != offset:  # said once: the rest of a stale fetch says the same
                self._read_again_from[tp] = offset
                log.info(
                    "%s/%d: records fetched before a rewind arrived past offset %d; reading again from there",
                    tp.topic,
                    tp.partition,
                    offset,
                )

    async def _commit_if_due(self) -> None:
        commit_every = self._commit_every
        if commit_every is not None and self._n_acked >= commit_every:
            self._n_acked = 0
            await self.commit()

    async def perform_seek(self) -> None:
        """Consumer.perform_seek (0.15.3), then each counted partition started at its committed offset.

        Faust calls it once a rebalance's recovery is complete, so a partition starts only once
        its state is ready; one never committed starts at its earliest offset. Each is then sought
        there again: records fetched before it started were not handed over, and aiokafka may
        have moved past them (its seek_to_committed also leaves never-committed partitions
        where they were)."""
        await super().perform_seek()
        batch_topics = self.batches.topics if self.batches else frozenset()
        counted = [tp for tp in self.assignment() if tp.topic in batch_topics]
        committed = {tp: self._read_offset.get(tp) for tp in counted}  # perform_seek set them to the committed offsets
        never = [tp for tp, offset in committed.items() if offset is None]
        earliest = await self.earliest_offsets(*never) if never else {}
        for tp, offset in committed.items():
            position = offset if offset is not None else earliest.get(tp) or 0
            self.positions.start(tp, position)
            await self._seek_in_thread(tp, position)

    async def _seek_in_thread(self, tp, offset: int) -> None:
        """aiokafka's seek, on the consumer thread's loop whose futures it touches (Faust's own seek
        calls it from this thread)."""
        # mode's annotation asks for a coroutine function; call_thread runs a plain one as well
        await self._thread.call_thread(self._thread.seek, tp, offset)  # type: ignore[arg-type]

    async def on_partitions_revoked(self, revoked) -> None:
        """Revoked partitions are forgotten first: the commit Faust makes while revoking covers, and
        writes the state of, only the partitions still counted, like every other commit."""
        self.positions.forget(revoked)
        await super().on_partitions_revoked(revoked)

    async def on_partitions_assigned(self, assigned, generation_id: int = 0) -> None:
        """Partitions not assigned any more are forgotten too: Faust's getmany also seeks (through
        perform_seek) when a rebalance stops the flow, with the assignment it is leaving."""
        self.positions.forget(set(self.positions.committable()) - set(assigned))
        await super().on_partitions_assigned(assigned, generation_id)

    async def _commit_tps(self, tps: Iterable, start_new_transaction: bool) -> bool:
        """Mirrors Consumer._commit_tps (0.15.3), with the worker's pending writes in between.

        The counted partitions' offsets are their positions, taken in the same step as the
        partitions whose pending state is then written: every record before a position has been
        handed over, so its state is pending or written already. Records handed over during the
        writes wait for the next commit. The offsets are committed only once every changelog
        record is acknowledged, and never after one failed (Faust's own changelog path only
        logs that). Other topics' offsets are Faust's.
        """
        batch_topics = self.batches.topics if self.batches else frozenset()
        counted = self.positions.committable()
        commit_offsets = {tp: offset for tp, offset in counted.items() if self._should_commit(tp, offset)}
        commit_offsets.update(self._filter_committable_offsets(tp for tp in tps if tp.topic not in batch_topics))
        ready = frozenset(tp.partition for tp in counted)
        sent = await self.batches.before_commit(ready) if self.batches is not None else []
        await self.app.producer.flush()  # the buffer, then every batch the client holds
        if sent:
            unsettled = [future for future in sent if not future.done()]
            if unsettled:
                await asyncio.wait(unsettled)
            failure = _failure(sent)
            if failure is not None:
                await self.crash(
                    ProducerSendError(f"a changelog record was not written ({failure!r}); offsets not committed")
                )
                return False
        if commit_offsets:
            try:
                await self._handle_attached(commit_offsets)
            except ProducerSendError as exc:
                await self.crash(exc)
            else:
                return await self._commit_offsets(commit_offsets, start_new_transaction=start_new_transaction)
        return False


def _failure(sent: list[asyncio.Future]) -> BaseException | None:
    for future in sent:
        if future.cancelled():
            return asyncio.CancelledError("the send was cancelled")
        if future.exception() is not None:
            return future.exception()
    return None


class DrainingProducerBuffer(ProducerBuffer):
    """Faust's producer buffer (faust/transport/producer.py, 0.15.3) whose flush returns only once
    every record put into it is in the Kafka client's batches, which the producer's flush then
    waits for. Faust's own returns once no record left it for 0.1 s, or while one is still
    being handed to the client, so a busy worker could commit offsets ahead of its changelog."""

    in_flight = 0

    async def _send_pending(self, fut) -> None:
        self.in_flight += 1
        try:
            await super()._send_pending(fut)
        finally:
            self.in_flight -= 1

    async def flush(self, warn_every: float = 30.0) -> None:
        started = warned = time.monotonic()
        while self.size or self.in_flight:
            if self.should_stop and not self.size:
                return  # stopping: nothing more will be taken from the queue
            await self.flush_atmost(None)  # raises when the buffer stopped with records in it
            if not self.size:
                await asyncio.sleep(0.005)  # the last record is being handed over
            if time.monotonic() - warned >= warn_every:
                warned = time.monotonic()
                log.warning(
                    "%d record(s) still waiting to be sent after %.0f s; offsets wait for them",
                    self.size + self.in_flight,
                    warned - started,
                )


class BatchingTransport(aiokafka_driver.Transport):
    Consumer = BatchingConsumer
    batches: Batches | None = None

    def create_consumer(self, callback, **kwargs):
        consumer = super().create_consumer(callback, **kwargs)
        consumer.batches = self.batches
        consumer.positions = Positions()
        consumer._read_again_from = {}
        return consumer

    def create_producer(self, **kwargs):
        """Mirrors Producer.__init__ (0.15.3) for its buffer, which is not pluggable."""
        producer = super().create_producer(**kwargs)
        if producer.threaded_producer is not None:
            raise RuntimeError("producer_threaded is not supported: the buffer's flush must see every record")
        producer.buffer = DrainingProducerBuffer(loop=producer.loop, beacon=producer.beacon)
        producer.buffer.app = producer.app
        return producer


def consume_in_batches(
    app,
    topics: Iterable,
    handle: Callable[[list], None],
    before_commit: Callable[[frozenset[int]], Awaitable[list[asyncio.Future]]],
) -> None:
    """Make `app` hand the messages of `topics` (faust topics) to `handle`. Call before the app starts."""
    if app._consumer is not None or app._producer is not None:
        raise RuntimeError("the consumer or producer exists already")
    transport = BatchingTransport(app.conf.broker_consumer, app)
    transport.batches = Batches(frozenset(name for topic in topics for name in topic.topics), handle, before_commit)
    app.transport = transport
    for topic in topics:  # subscribed, with acks, though no agent reads them
        app.topics.add(topic)
