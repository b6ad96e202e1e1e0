"""The worker's chain over the in-memory broker: exact under duplicates, reordering, lost keys,
crashes (also in the middle of a commit) and redelivery, against the independent oracle."""

from __future__ import annotations

import asyncio
import json
import os
import random
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.dev.simulation import generate_events
from services.registry import Registry
from streams.batch import Record, process_batch
from streams.broker.topics import DEAD_LETTER, PARTICIPANT_EVENTS, REKEYED_EVENTS
from streams.clock import Clock
from streams.domain.counts import merged, roll_up
from tests.integration.oracle import active_by_region
from tests.streams.in_memory_broker import InMemoryBroker, InMemoryWorker
from tests.tools import copy_registry

NOW = datetime.fromisoformat("2026-06-30T12:00:00+07:00")
PARTITIONS = 4
# Found by the property below on the consumer before issue 20's fix (c36a41c), and shrunk: a
# worker starts; Faust's recovery resumes its partitions and the flow before its seek to the
# committed offsets returns, so a fetch of 5 records per partition is handed over. The static
# member rejoins (same generation) while slices of that fetch are still to come: the flow stops,
# the rest of the fetch is thrown away (p1 1-4, p2 and p3 0-4), and Faust forgets its read and
# acked offsets. No offset was committed yet, so aiokafka's seek to the committed offsets moves
# no position and Faust's read offsets become None: the next fetch starts at offset 5, no gap is
# seen, and the next commit (Faust's _new_offset has no check without a committed offset) commits
# past records that were never folded.
FOUND_BEFORE_THE_FIX: dict = dict(seed=6031, schedule=[("fetch", 5), ("rebalance", 0)])


@pytest.fixture(scope="module")
def tree(registry_template, tmp_path_factory):
    url = copy_registry(registry_template, tmp_path_factory.mktemp("batch") / "registry.db")
    return Registry(url).region_tree()


@pytest.fixture(scope="module")
def stream():
    records = list(generate_events(participants=100, seed=7, start=date(2024, 1, 1), end=NOW.date(), now=NOW))
    return records, active_by_region([json.loads(r.value) for r in records if r.valid], NOW.date())


def published(broker: InMemoryBroker, records, rng: random.Random) -> None:
    """Shuffled, some redelivered again, about one in ten without its key."""
    records = records + rng.sample(records, len(records) // 10)
    rng.shuffle(records)
    for record in records:
        broker.produce(PARTICIPANT_EVENTS, None if rng.random() < 0.1 else record.key, record.value)


def exact(worker: InMemoryWorker, expected) -> bool:
    got = worker.active_by_region()
    return {c: n for c, n in got.items() if n} == {c: n for c, n in expected.items() if n}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    schedule=st.lists(
        st.tuples(st.integers(1, 60), st.sampled_from(["go", "commit", "crash", "crash_mid_commit"])), max_size=25
    ),
)
def test_any_schedule_of_batches_commits_and_crashes_ends_exact(tree, stream, seed, schedule):
    records, expected = stream
    broker = InMemoryBroker(PARTITIONS)
    published(broker, records, random.Random(seed))
    worker = InMemoryWorker(broker, tree, Clock.parse(NOW.isoformat()))
    for limit, action in schedule:
        worker.step(limit)
        if action == "commit":
            worker.commit()
        elif action == "crash":
            worker.restart()
        elif action == "crash_mid_commit":
            try:
                worker.commit(partitions_written=limit % PARTITIONS)
            except InterruptedError:
                pass
            worker.restart()
    worker.run_to_end()
    assert exact(worker, expected)
    worker.restart()  # recovered from the changelog alone
    assert exact(worker, expected)


def test_invalid_records_go_to_the_dead_letter_and_miskeyed_ones_are_forwarded_once(tree, stream):
    records, expected = stream
    broker = InMemoryBroker(PARTITIONS)
    for record in records:
        broker.produce(PARTICIPANT_EVENTS, None, record.value)  # every key lost
    worker = InMemoryWorker(broker, tree, Clock.parse(NOW.isoformat()))
    worker.run_to_end()
    assert exact(worker, expected)
    dead = sum(len(broker.logs[DEAD_LETTER, p]) for p in range(PARTITIONS))
    assert dead == sum(1 for r in records if not r.valid)
    forwarded = sum(len(broker.logs[REKEYED_EVENTS, p]) for p in range(PARTITIONS))
    assert 0 < forwarded < sum(1 for r in records if r.valid)  # some land on their own partition by chance


def test_a_batch_tallies_every_record_once(tree, stream):
    records, _ = stream
    worker = InMemoryWorker(InMemoryBroker(PARTITIONS), tree, Clock.parse(NOW.isoformat()))
    batch = [Record(PARTICIPANT_EVENTS, 0, offset, 0.0, r.key, r.value) for offset, r in enumerate(records[:300])]
    result = process_batch(worker.processor, batch, PARTICIPANT_EVENTS, PARTITIONS)
    assert sum(result.tally.values()) == len(batch)
    assert len(result.dead_letters) == sum(1 for r in records[:300] if not r.valid)


def test_an_event_of_a_source_that_does_not_own_its_participant_is_dead_lettered_and_tallied_by_source():
    from streams.domain.ownership import Owners
    from streams.domain.regions import Region, RegionTree
    from streams.processing import CoverageProcessor
    from tests.streams.domain.factories import raw

    villages = RegionTree.from_regions(
        [
            Region("61", None, "province", "K"),
            Region("61.07", "61", "regency", "B"),
            Region("61.72", "61", "regency", "S"),
        ]
    )
    from streams.participant_store import InMemoryStore

    processor = CoverageProcessor(villages, InMemoryStore(), Clock.parse(NOW.isoformat()))
    processor.use_owners(Owners(villages, {"desa-a": ["61.07"], "desa-b": ["61.72"]}))
    enrolled = raw("enrollment", event_id="1", participant_id="pn1_w", source="desa-a", region_code="61.07")
    lapsed = raw(
        "lapse",
        event_id="2",
        participant_id="pn1_w",
        source="desa-b",
        region_code="61.72",
        occurred_at="2025-06-02T09:00:00+07:00",
        effective_date="2025-06-02",
    )
    batch = [
        Record(PARTICIPANT_EVENTS, 0, offset, 0.0, b"pn1_w", value) for offset, value in enumerate([enrolled, lapsed])
    ]
    result = process_batch(processor, batch, None, PARTITIONS)
    [(record, why)] = result.dead_letters
    assert record.offset == 1 and why.reason == "participant_out_of_scope"
    assert result.by_source == {("desa-a", "applied"): 1, ("desa-b", "participant_out_of_scope"): 1}
    assert result.tally == {("enrollment", "applied"): 1, ("lapse", "participant_out_of_scope"): 1}


# -- the real consumer (streams/worker/faust_batches.py over Faust's Consumer) under any schedule

ACTIONS = st.one_of(
    st.tuples(
        st.just("fetch"), st.sampled_from([1, 2, 3, 5, 8, 1000])
    ),  # a fetch returns, up to this many records per partition
    st.tuples(st.just("release"), st.integers(0, 50)),  # a send, flush, offset commit or seek completes
    st.tuples(st.just("commit"), st.just(0)),  # Faust's commit timer fires
    st.tuples(st.just("rebalance"), st.just(0)),  # the static member rejoins: revoked and assigned, same generation
    st.tuples(
        st.just("kill"), st.integers(0, 3)
    ),  # SIGKILL: keep the local store or not; in-flight records land or not
)


def test_the_real_consumer_commits_no_offset_ahead_of_the_state_that_covers_it_under_any_schedule(tree, stream):
    """Every committed offset is covered by state that survives a crash, at every kill and at the end."""

    @settings(
        max_examples=int(os.environ.get("UCJ_MODEL_EXAMPLES", "60")),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(seed=st.integers(0, 10_000), schedule=st.lists(ACTIONS, max_size=60))
    @example(**FOUND_BEFORE_THE_FIX)
    def run(seed, schedule):
        asyncio.run(_run_model(tree, stream, seed, schedule))

    run()


async def _run_model(tree, stream, seed, schedule):
    from tests.streams.consumer_model import Broker, Disk, Gates, Process

    records, expected = stream
    broker = Broker(PARTITIONS)
    _publish(broker, records, random.Random(seed))
    clock = Clock.parse(NOW.isoformat())
    gates, disk, size = Gates(), Disk(), [1]
    process = Process(broker, disk, gates, tree, clock, size)
    process.start()
    await _settle(process)
    for action, value in schedule:
        if action == "fetch":
            size[0] = value
            _release(gates, lambda name: name == "fetch")
        elif action == "release":
            others = [i for i, (name, _, _) in enumerate(gates.waiting) if name != "fetch"]
            if others:
                gates.release(others[value % len(others)])
        elif action == "commit":
            process.spawn(process.consumer.commit())
        elif action == "rebalance":
            process.spawn(process.rebalance())
        else:
            process.kill(in_flight_lands=bool(value & 1))
            _assert_committed_is_stored(broker, tree)
            if not value & 2:
                disk = Disk()  # recovered from the changelog alone
            gates = Gates()
            process = Process(broker, disk, gates, tree, clock, size)
            process.start()
        await _settle(process)
    await _run_to_the_end(process, broker, gates, size)
    _assert_committed_is_stored(broker, tree)
    assert all(broker.committed.get(tp) == broker.end(tp) for tp in _counted(broker)), (
        "the worker did not get to the end"
    )
    got = roll_up(merged(c.active for c in process.processor.counts.values()).items(), tree)
    assert {c: sum(n.values()) for c, n in got.items() if sum(n.values())} == {c: n for c, n in expected.items() if n}


async def _settle(process) -> None:
    for _ in range(30):
        await asyncio.sleep(0)
    failures = process.failures()
    assert not failures, f"a task of the worker failed: {failures[0]!r}"
    assert process.crashed is None, process.crashed


def _release(gates, wanted) -> bool:
    for index, (name, _, _) in enumerate(gates.waiting):
        if wanted(name):
            gates.release(index)
            return True
    return False


async def _run_to_the_end(process, broker, gates, size) -> None:
    size[0] = 1000
    for _ in range(2000):
        if all(broker.committed.get(tp) == broker.end(tp) for tp in _counted(broker)) and all(
            name == "fetch" for name, _, _ in gates.waiting
        ):
            return
        if not _release(gates, lambda name: name != "fetch"):
            _release(gates, lambda name: name == "fetch")
            if process.consumer._commit_fut is None:
                process.spawn(process.consumer.commit())
        await _settle(process)


def _counted(broker):
    from faust.types import TP

    return [TP(topic, p) for topic in (PARTICIPANT_EVENTS, REKEYED_EVENTS) for p in range(broker.partitions)]


def _publish(broker, records, rng) -> None:
    """As published(): shuffled, some redelivered, about one in ten without its key."""
    from faust.types import TP

    from streams.partitioning import partition_of

    records = records + rng.sample(records, len(records) // 10)
    rng.shuffle(records)
    for n, record in enumerate(records):
        keyless = rng.random() < 0.1
        partition = n % broker.partitions if keyless else partition_of(record.key.decode(), broker.partitions)
        broker.append(TP(PARTICIPANT_EVENTS, partition), None if keyless else record.key, record.value)


def _assert_committed_is_stored(broker, tree) -> None:
    from streams.domain.validation import parse_event
    from streams.exactness import verify

    report = verify(
        events=[m for (topic, _), log in broker.logs.items() if topic == PARTICIPANT_EVENTS for m in log],
        rekeyed=[m for (topic, _), log in broker.logs.items() if topic == REKEYED_EVENTS for m in log],
        changelog=[m for (topic, _), log in sorted(broker.logs.items()) if topic == "changelog" for m in log],
        committed=dict(broker.committed),
        read_up_to={},
        validate=lambda value: parse_event(value, tree, NOW),
        partitions=broker.partitions,
        events_topic=PARTICIPANT_EVENTS,
        rekeyed_topic=REKEYED_EVENTS,
        day=NOW.date(),
    )
    assert report.exact, f"committed offsets ahead of the stored state: {report.differences[:3]}"
