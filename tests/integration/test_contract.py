"""One contract, two brokers: the worker's counts are exact under duplicates, reordering, lost
keys, crashes and redelivery, whether it runs as `ucj worker` on the real broker or as its chain
over the in-memory broker (tests/streams/in_memory_broker.py), which then proves the same in
milliseconds. Every scenario runs against both; the in-memory runs are not integration tests.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

import pytest

from services.registry import Registry
from streams.broker.topics import EVENT_PARTITIONS, PARTICIPANT_EVENTS
from streams.clock import Clock
from tests.integration.conftest import FIXED_NOW
from tests.integration.streams import counter_total, messy_stream, send_raw, true_counts
from tests.integration.test_failures import LEVELS, wait_exact
from tests.integration.waiting import wait_until
from tests.streams.in_memory_broker import InMemoryBroker, InMemoryWorker
from tests.tools import copy_registry

NOW = datetime.fromisoformat(FIXED_NOW)


class InMemory:
    """The worker's chain over lists: a crash loses what was processed since the last commit."""

    def __init__(self, tree, codes):
        self.codes = codes
        self.broker = InMemoryBroker(EVENT_PARTITIONS)
        self.worker = InMemoryWorker(self.broker, tree, Clock.parse(FIXED_NOW))

    def publish(self, records, keyless=frozenset()) -> None:
        for record in records:
            self.broker.produce(PARTICIPANT_EVENTS, None if id(record) in keyless else record.key, record.value)

    def work_a_while(self, rng: random.Random) -> None:
        self.worker.step(rng.randint(100, 2000))
        self.worker.commit()
        self.worker.step(rng.randint(1, 2000))  # processed, not committed: lost in a crash

    def crash_and_restart(self) -> None:
        self.worker.restart()

    def assert_exact(self, expected: Counter) -> None:
        self.worker.run_to_end()
        got = self.worker.active_by_region()
        assert {c: got.get(c, 0) for c in self.codes} == {c: expected.get(c, 0) for c in self.codes}


class RealBroker:
    """`ucj worker` on the real broker: a crash is SIGKILL, and the same worker starts again."""

    def __init__(self, bootstrap: str, start_worker, codes):
        self.bootstrap, self.codes = bootstrap, codes
        self.worker = start_worker(store="rocksdb")
        self.worker.wait_ready()

    def publish(self, records, keyless=frozenset()) -> None:
        send_raw(self.bootstrap, records, keyless)

    def work_a_while(self, rng: random.Random) -> None:
        target = counter_total(self.worker.metrics(), "ucj_events") + rng.randint(100, 2000)

        def worked() -> bool:  # or it has read everything there is: a fast worker may be done before
            return (
                counter_total(self.worker.metrics(), "ucj_events") > target
                or len(self.worker.status()["caught_up"]) == EVENT_PARTITIONS
            )

        wait_until(worked, "some events processed, or all", every=0.1, processes=[self.worker])

    def crash_and_restart(self) -> None:
        self.worker.kill()
        self.worker.start()
        self.worker.wait_ready()

    def assert_exact(self, expected: Counter) -> None:
        wait_exact([self.worker], expected, self.codes)


@pytest.fixture(scope="module")
def contract_registry(registry_template, tmp_path_factory):
    return copy_registry(registry_template, tmp_path_factory.mktemp("contract") / "registry.db")


@pytest.fixture(params=["in_memory", pytest.param("real_broker", marks=pytest.mark.integration)])
def broker(request, contract_registry):
    tree = Registry(contract_registry).region_tree()
    codes = [c for level in LEVELS for c in tree.codes_at(level)]
    if request.param == "in_memory":
        return InMemory(tree, codes)
    return RealBroker(request.getfixturevalue("kafka_bootstrap"), request.getfixturevalue("start_worker"), codes)


@pytest.fixture(scope="module")
def stream():
    """Simulated events with redeliveries, shuffled, some without their key; and their true counts."""
    records, keyless = messy_stream(participants=2_500, seed=23, now=NOW)
    return records, keyless, true_counts(records, NOW.date())


def test_duplicates_reordering_and_lost_keys_end_exact(broker, stream):
    records, keyless, expected = stream
    broker.publish(records, keyless)
    broker.assert_exact(expected)


def test_crashes_while_it_works_end_exact(broker, stream):
    records, keyless, expected = stream
    rng = random.Random(5)
    broker.publish(records, keyless)
    for _ in range(2):
        broker.work_a_while(rng)
        broker.crash_and_restart()
    broker.assert_exact(expected)
    broker.crash_and_restart()  # state recovered after everything was counted
    broker.assert_exact(expected)


def test_everything_delivered_again_changes_nothing(broker, stream):
    records, keyless, expected = stream
    broker.publish(records, keyless)
    broker.assert_exact(expected)
    again = list(records)
    random.Random(9).shuffle(again)
    broker.publish(again)  # every event a second time, in another order, all keyed
    broker.assert_exact(expected)
