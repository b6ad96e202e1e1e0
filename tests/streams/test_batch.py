"""The worker's chain over the in-memory broker: exact under duplicates, reordering, lost keys,
crashes (also in the middle of a commit) and redelivery, against the independent oracle."""
from __future__ import annotations

import json
import random
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from services.registry import Registry
from services.simulation import generate_events
from streams.batch import Record, process_batch
from streams.clock import Clock
from streams.topics import DEAD_LETTER, PARTICIPANT_EVENTS, REKEYED_EVENTS
from tests.integration.oracle import active_by_region
from tests.streams.in_memory_broker import InMemoryBroker, InMemoryWorker
from tests.tools import copy_registry

NOW = datetime.fromisoformat("2026-06-30T12:00:00+07:00")
PARTITIONS = 4


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
@given(seed=st.integers(0, 10_000), schedule=st.lists(st.tuples(st.integers(1, 60), st.sampled_from(["go", "commit", "crash", "crash_mid_commit"])), max_size=25))
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
