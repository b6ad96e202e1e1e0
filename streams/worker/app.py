"""The Faust worker: thin shells (agents, table, timers, pages) around CoverageProcessor."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Set

import faust
from faust.types import TP
from prometheus_client import REGISTRY, generate_latest

from streams import native
from streams.batch import process_batch
from streams.broker.kafka_access import KafkaAccess
from streams.broker.topics import (
    COVERAGE_ALERTS,
    DEAD_LETTER,
    EVENT_PARTITIONS,
    FOREVER,
    PARTICIPANT_EVENTS,
    PARTICIPANT_TABLE,
    REGION_PARTIALS,
    REKEYED_EVENTS,
    WORKER_APP_ID,
)
from streams.clock import Clock
from streams.dead_letter import dead_letter
from streams.domain.trajectory import StatusThresholds
from streams.domain.validation import Rejected
from streams.history_page import Refused, history_body, history_days, parse_query
from streams.partials import PARTIAL_HEARTBEAT_SECONDS, PARTIAL_SECONDS, PartialBuilder, encode_partial
from streams.processing import CoverageProcessor, PartitionCounts
from streams.reference import load_reference, owners_of
from streams.sources import UNKNOWN_SOURCE_REFRESH_SECONDS, SourceActivity, names_unknown
from streams.status_page import Ownership, status_body
from streams.worker.catching_up import CatchUpTracker
from streams.worker.faust_adapter import BUILT_IN_PAGES_OFF, highwater, serve_own_pages_only, table_reporting_recovery
from streams.worker.faust_batches import consume_in_batches
from streams.worker.faust_table import PartitionedTable
from streams.worker.garbage import TimedCollection
from streams.worker.metrics import (
    CAUGHT_UP,
    CONSUMER_LAG,
    DEAD_LETTERS,
    DEFAULT_LEVELS,
    EVENT_DELAY,
    EVENTS,
    LAG,
    LAST_EVENT,
    PARTITIONS,
    REBALANCES,
    RegionCollector,
    SourceCollector,
)
from streams.worker.stage_runner import StageRunner
from streams.write_behind import WriteBehindStore

log = logging.getLogger(__name__)

APP_ID = WORKER_APP_ID
# the classic text format every Prometheus 2.x reads (prometheus_client's own constant now says 1.0.0)
EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
COUNTED_TOPICS = (PARTICIPANT_EVENTS, REKEYED_EVENTS)  # both feed a partition's counts
# a killed worker's partitions move to the others within seconds, not a minute; a stopped
# worker keeps its place in the group (static membership) until its session ends too
SESSION_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class WorkerSettings:
    kafka: KafkaAccess
    database_url: str
    data_dir: Path
    web_port: int
    store: str = "rocksdb://"
    levels: tuple[str, ...] = DEFAULT_LEVELS
    web_host: str = "127.0.0.1"
    partitions: int = EVENT_PARTITIONS  # of the events topic, as found on the broker
    alert_levels: tuple[str, ...] = ("province", "regency")
    alert_hold: timedelta = timedelta(minutes=1)
    reference_reload_seconds: float = 60.0  # how often the registry is read again
    seats: dict[str, tuple[str, float, float]] | None = None  # regency -> (seat, latitude, longitude)
    # Kafka static membership: a worker restarted under the same id gets its partitions back
    # at once, instead of after the session timeout of the member it replaces
    instance_id: str | None = None


class CoverageWorker:
    def __init__(self, settings: WorkerSettings, clock: Clock, registry, thresholds: StatusThresholds):
        self.settings = settings
        self.registry = registry  # services.registry.Registry: read at start and every few minutes
        self.reference = load_reference(registry, thresholds)
        self.reference_loaded_at = self.sources_read_at = time.monotonic()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        pages_off: dict[str, Any] = dict(BUILT_IN_PAGES_OFF)
        self.app = faust.App(
            APP_ID,
            **settings.kafka.faust(),  # the broker, and who the worker is to it
            store=settings.store,
            datadir=str(settings.data_dir / "worker"),
            web_port=settings.web_port,
            web_bind=settings.web_host,
            web_host=settings.web_host,
            topic_partitions=settings.partitions,
            table_standby_replicas=0,
            producer_acks=-1,
            # bigger, later producer batches: changelog writes are the hot path
            producer_linger_ms=10,
            producer_max_batch_size=256 * 1024,
            stream_buffer_maxsize=16384,
            broker_commit_every=50_000,
            broker_session_timeout=SESSION_TIMEOUT_SECONDS,
            broker_heartbeat_interval=2.0,
            consumer_group_instance_id=settings.instance_id,
            **pages_off,  # the worker serves /metrics and /status only
        )
        raw: dict[str, Any] = dict(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
        # the source of truth: kept forever, every number is rebuilt from it
        self.events = self.app.topic(PARTICIPANT_EVENTS, partitions=settings.partitions, config=FOREVER, **raw)
        self.rekeyed = self.app.topic(REKEYED_EVENTS, partitions=settings.partitions, internal=True, **raw)
        self.dead_letters = self.app.topic(DEAD_LETTER, **raw)
        self.partials = self.app.topic(REGION_PARTIALS, partitions=1, **raw)
        self.alerts = self.app.topic(COVERAGE_ALERTS, **raw)
        self.table = self.app.tables.add(
            table_reporting_recovery(self.partitions_recovered)(
                self.app,
                name=PARTICIPANT_TABLE,
                partitions=settings.partitions,
                key_type=bytes,
                value_type=bytes,
                beacon=self.app.tables.beacon,
            )
        )
        # writes reach the table (and its changelog) in write_pending, before each offset commit
        self.table_io = PartitionedTable(self.table)
        self.store = WriteBehindStore(self.table_io)
        self.processor = CoverageProcessor(self.reference.tree, self.store, clock)
        self.processor.use_owners(self.reference.owners)
        self.garbage = TimedCollection()  # started by the command that runs the worker
        self.next_offsets: dict[tuple[str, int], int] = {}  # (topic, partition) -> next offset to process
        self.catch_up = CatchUpTracker(
            settings.kafka,
            APP_ID,
            COUNTED_TOPICS,
            self.next_offsets,
            lambda tp: highwater(self.app, tp),
            lambda: self.app.consumer_generation_id,
        )
        # partition -> (counts, builder, sent at, caught up) of its last published partial
        self.builders: dict[int, tuple[PartitionCounts, PartialBuilder, float, bool]] = {}
        self.stage = StageRunner(
            self.app,
            self.alerts,
            settings.kafka,
            lambda: self.reference,
            tuple(dict.fromkeys(settings.levels + settings.alert_levels)),
            settings.alert_levels,
            settings.alert_hold,
        )
        self.sources = SourceActivity()  # events by source, for /metrics
        self.collector = RegionCollector(
            self._owned_counts,
            lambda: self.reference,
            lambda: self.processor.counted_on,
            lambda: self.stage.reports,
            settings.levels,
            self.stage.open_alerts,
            settings.seats,
        )
        self._wire()

    def _owned_counts(self):
        return (item for counts in list(self.processor.counts.values()) for item in counts.active.items())

    def _wire(self) -> None:
        app = self.app
        consume_in_batches(app, [self.events, self.rekeyed], self.handle_batch, self.write_pending)
        app.agent(self.partials, name="region-stage")(self.stage.consume)
        app.timer(interval=1.0)(self._tick)  # cheap unless the day turned

        @app.task
        async def say_how_the_hot_path_runs() -> None:
            if native.status() == "compiled":
                log.info("hot path compiled (mypyc, streams/native.py)")
            else:
                log.warning(
                    "hot path interpreted, about 1.4 times slower: build it with `python streams/native.py build`"
                )

        # faust calls page handlers as handler(view, request); a bound method would lose the view
        async def metrics(view, request):
            return await self._metrics_page(view)

        async def status(view, request):
            return await self._status_page(view)

        async def history(view, request):
            return await self._history_page(view, request)

        app.page("/metrics")(metrics)
        app.page("/status")(status)
        app.page("/history")(history)
        serve_own_pages_only(app)
        REGISTRY.register(self.collector)
        self.source_collector = SourceCollector(self.sources, lambda: self.reference)
        REGISTRY.register(self.source_collector)

        # Forget counts as soon as a rebalance starts: until its partitions' state is
        # recovered, a worker undercounts rather than count what another worker now owns.
        @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mode types receivers as taking a `signal` keyword; Faust passes none
        async def revoked(sender, revoked: Set[TP], **kwargs) -> None:
            self.partitions_revoked({tp.partition for tp in revoked if tp.topic == PARTICIPANT_EVENTS})

    def handle_batch(self, messages: list) -> None:
        """One fetch of the counted topics: fold it, send what it routes elsewhere, measure it."""
        result = process_batch(self.processor, messages, PARTICIPANT_EVENTS, self.settings.partitions)
        for key, value in result.rekeyed:
            self.rekeyed.send_soon(key=key, value=value)
        for message, rejection in result.dead_letters:
            self._dead_letter(message, rejection)
        for (event_type, outcome), count in result.tally.items():
            EVENTS.labels(type=event_type, outcome=outcome).inc(count)
        if names_unknown(result.by_source, self.reference.source_names):
            self._refresh_sources()  # a source added since the last reload: label it by its name now
        self.sources.add(result.by_source, result.latest, self.reference.source_names)
        now = time.time()
        next_offsets, observe = self.next_offsets, EVENT_DELAY.observe
        for message in messages:
            next_offsets[(message.topic, message.partition)] = message.offset + 1
            observe(max(0.0, now - message.timestamp))  # record timestamps are in seconds
        last = max(message.timestamp for message in messages)
        LAST_EVENT.set(last)
        LAG.set(max(0.0, now - last))

    def _refresh_sources(self) -> None:
        """Read the registry's sources again (names, when added, regions), at most every
        UNKNOWN_SOURCE_REFRESH_SECONDS; the full reload stays on its own schedule (_tick)."""
        now = time.monotonic()
        if now - self.sources_read_at < UNKNOWN_SOURCE_REFRESH_SECONDS:
            return
        self.sources_read_at = now
        try:
            sources = self.registry.sources()
        except Exception:  # keep the names we have: the events are counted all the same
            log.exception("could not read the registry's sources; unknown sources stay `other` for now")
            return
        reference = self.reference
        self.reference = dataclasses.replace(
            reference,
            source_names=frozenset(source.name for source in sources),
            sources_added={source.name: source.created_at.timestamp() for source in sources if source.active},
            owners=owners_of(sources, reference.tree),
        )
        self.processor.use_owners(self.reference.owners)  # its regions, from the next batch on
        log.info("read the registry's sources again: %d", len(self.reference.source_names))

    async def write_pending(self, partitions: frozenset[int]) -> list[asyncio.Future]:
        """The participants of these partitions (the ones counted now) folded since the last commit,
        into the table and its changelog; the changelog sends. A partition being revoked is not
        written: it is another worker's soon, and its events are read again from the committed offset."""
        sent = []
        for partition, values in self.store.pending().items():
            if partition in partitions:
                sent += await self.table_io.write(partition, values)
                self.store.written(values)
        return sent

    def _dead_letter(self, message, rejection: Rejected) -> None:
        # the original bytes, NIK-shaped digits masked, with the reason in headers
        source = f"{message.topic}/{message.partition}/{message.offset}"
        letter = dead_letter(
            message.key,
            message.value,
            rejection.reason,
            rejection.detail,
            source,
            self.app.conf.producer_max_request_size,
        )
        self.dead_letters.send_soon(key=letter.key, value=letter.value, headers=letter.headers)
        DEAD_LETTERS.labels(reason=rejection.reason).inc()
        log.debug("dead letter %s: %s", source, rejection.reason)  # the detail may quote the input

    def _measure_consumer_lag(self) -> None:
        """Messages of the events topic not yet processed, per owned partition."""
        for partition in list(self.processor.counts):
            end = highwater(self.app, TP(PARTICIPANT_EVENTS, partition))
            processed_up_to = self.next_offsets.get((PARTICIPANT_EVENTS, partition))
            if end is not None and processed_up_to is not None:
                CONSUMER_LAG.labels(partition=str(partition)).set(max(0, end - processed_up_to))

    async def _tick(self) -> None:
        self.garbage.collect_if_due()
        self.processor.turn_day_if_needed()
        if time.monotonic() - self.reference_loaded_at > self.settings.reference_reload_seconds:
            try:
                reference = load_reference(self.registry, self.reference.thresholds)
                if reference.tree.regions != self.reference.tree.regions:
                    self.processor.use_regions(reference.tree)
                    self.builders.clear()
                self.processor.use_owners(reference.owners)  # a source added or given other regions
                self.reference = reference  # new workforce figures and plans count from the next figures on
                self.reference_loaded_at = self.sources_read_at = time.monotonic()
            except Exception:  # keep counting with the figures we have
                log.exception("could not reload the registry; keeping the previous figures")
        try:
            for partition, caught_up in self.catch_up.tick().items():
                CAUGHT_UP.labels(partition=str(partition)).set(1 if caught_up else 0)
            await self._publish_partials()
            await self.stage.tick()
        except Exception:  # a fault in the figures must not stop the counting
            log.exception("region stage failed this tick; counting goes on")

    async def _publish_partials(self) -> None:
        """Each owned partition's absolute counts, to the region stage, when changed or due."""
        now = time.monotonic()
        for partition, counts in list(self.processor.counts.items()):
            known = self.builders.get(partition)
            was_caught_up = known is not None and known[3]
            if known is not None and known[0] is counts:
                builder, sent_at = known[1], known[2]
            else:  # new, or recounted: start from a fresh history cache
                builder, sent_at = PartialBuilder(self.reference.tree, self.stage.report_levels), 0.0
            caught_up = self.catch_up.caught_up(partition)
            changed = counts.version != builder.built_version
            # a change of caught_up goes out at once: the stage waits for it, or must stop judging
            if not (
                caught_up != was_caught_up
                or changed
                and now - sent_at >= PARTIAL_SECONDS
                or now - sent_at >= PARTIAL_HEARTBEAT_SECONDS
            ):
                continue
            partial = builder.build(
                counts,
                partition,
                self.settings.partitions,
                self.processor.counted_on,
                caught_up,
                self.app.consumer_generation_id,
            )
            await self.partials.send(key=str(partition).encode(), value=encode_partial(partial))
            self.builders[partition] = (counts, builder, now, caught_up)

    async def _metrics_page(self, web):
        self._measure_consumer_lag()
        return web.bytes(generate_latest(REGISTRY), headers={"Content-Type": EXPOSITION_CONTENT_TYPE})

    def _ownership(self) -> Ownership:
        return Ownership(sorted(self.processor.counts), self.catch_up.caught_up_partitions())

    async def _status_page(self, web):
        _, _, figures = self.collector.figures()
        body = status_body(
            figures,
            self.reference.tree,
            self.stage.reports or {},
            self.processor.counted_on,
            self._ownership(),
            dict(runs_here=self.stage.owned, complete=self.stage.complete),
            self.next_offsets,
            self.reference.thresholds,
        )
        return web.bytes(json.dumps(body).encode(), content_type="application/json")

    async def _history_page(self, web, request):
        tree = self.reference.tree
        query = parse_query(request.query, tree, self.processor.history_levels, self.processor.counted_on)
        if isinstance(query, Refused):
            return web.json({"error": query.reason}, status=400)
        days = history_days(query, (counts.daily for counts in self.processor.counts.values()), self.reference)
        body = history_body(query, tree, self._ownership(), self.settings.partitions, self.reference.thresholds, days)
        return web.bytes(json.dumps(body).encode(), content_type="application/json")

    # called by the table on rebalance and after recovery
    def partitions_recovered(self, partitions: Set[int]) -> None:
        self.processor.rebuild(partitions)
        self.catch_up.assigned(partitions)
        PARTITIONS.set(len(self.processor.counts))

    def partitions_revoked(self, partitions: Set[int]) -> None:
        REBALANCES.inc()
        self.store.drop(
            partitions
        )  # never written once revoked (write_pending); their events are read again from the committed offset
        self.processor.forget(partitions)
        for partition in partitions:
            self.builders.pop(partition, None)
            self.catch_up.forget(partition)
            for topic in COUNTED_TOPICS:
                self.next_offsets.pop((topic, partition), None)
            for gauge in (CONSUMER_LAG, CAUGHT_UP):
                try:
                    gauge.remove(str(partition))
                except KeyError:
                    pass
        PARTITIONS.set(len(self.processor.counts))
