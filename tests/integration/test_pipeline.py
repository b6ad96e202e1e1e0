"""End to end on a real broker: a messy stream through the producer code into a running worker."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime

import pytest
from aiokafka.partitioner import DefaultPartitioner

from services.common.producer import EventPublisher, kafka_producer
from services.registry import Registry
from streams.broker.topics import DEAD_LETTER, EVENT_PARTITIONS, PARTICIPANT_EVENTS
from tests.integration.conftest import FIXED_NOW
from tests.integration.offsets import end_offsets, read_to_end
from tests.integration.streams import differences, exported_active, messy_stream, true_counts
from tests.integration.waiting import wait_until

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat(FIXED_NOW)


def outcomes(metrics: dict) -> Counter:
    """ucj_events_total by outcome (applied, duplicate, invalid, rekeyed)."""
    totals: Counter = Counter()
    for sample in metrics.get("ucj_events", []):
        if sample.name.endswith("_total"):
            totals[sample.labels["outcome"]] += int(sample.value)
    return totals


def processed(metrics: dict) -> int:
    # a re-keyed message is counted once when forwarded and once when applied
    return sum(n for outcome, n in outcomes(metrics).items() if outcome != "rekeyed")


def home_partition(participant_id: str) -> int:
    """Where a record keyed by this participant lands, by a Kafka client's partitioner rather than the product's
    code: aiokafka's, which the worker's producer also re-keys with (tests/streams/test_partitioning.py checks both)."""
    partitions = list(range(EVENT_PARTITIONS))
    return DefaultPartitioner()(participant_id.encode(), partitions, partitions)


@pytest.mark.parametrize("store", ["memory", "rocksdb"])
def test_messy_stream_gives_exact_counts_per_region(kafka_bootstrap, registry_url, start_worker, store):
    records, keyless = messy_stream(participants=6_000, seed=7, now=NOW)
    keyed_valid = [r for r in records if r.valid and id(r) not in keyless]
    miskeyed = {id(r) for r in random.Random(7).sample(keyed_valid, len(keyed_valid) // 50)}  # sent with a wrong key
    invalid = [r for r in records if not r.valid]
    assert len(records) >= 20_000 and invalid and keyless

    worker = start_worker(store=store)
    worker.wait_ready()

    producer = kafka_producer(kafka_bootstrap)
    publisher = EventPublisher(producer, Registry(registry_url).region_tree(), lambda: NOW)
    for record in records:  # what a misbehaving system sends: no checks, sometimes no key or a wrong one
        if id(record) in keyless:
            producer.send(PARTICIPANT_EVENTS, key=None, value=record.value)
        elif id(record) in miskeyed:
            producer.send(PARTICIPANT_EVENTS, key=b"not-" + record.key, value=record.value)
        elif not record.valid:
            producer.send(PARTICIPANT_EVENTS, key=record.key, value=record.value)
    well_keyed = [r.value for r in keyed_valid if id(r) not in miskeyed]
    report = publisher.publish(well_keyed)
    assert report.ok and report.sent == len(well_keyed)
    producer.close()

    def done() -> dict | None:
        metrics = worker.metrics()
        lag = {s.labels["partition"]: s.value for s in metrics.get("ucj_consumer_lag_messages", [])}
        return (
            metrics
            if processed(metrics) >= len(records) and lag == {str(p): 0 for p in range(EVENT_PARTITIONS)}
            else None
        )

    metrics = wait_until(
        done,
        lambda: f"{len(records)} events processed, no lag on any partition: {outcomes(worker.metrics())}",
        timeout=600,
        every=1,
        processes=[worker],
    )
    assert processed(metrics) == len(records)
    expected = true_counts(records, NOW.date())
    exported = exported_active(metrics)
    tree = Registry(registry_url).region_tree()
    for level, how_many in (("province", 1), ("regency", 14), ("district", 174)):
        codes = tree.codes_at(level)
        assert len(codes) == how_many
        assert differences(exported, expected, codes) == {}, f"{level}: exported vs true count differ"
    assert exported["61"] > 1_000

    # Re-keyed: exactly the valid messages that landed outside their participant's partition (each copy of a
    # duplicate counts); a wrong hash would re-key almost all of them and still give exact counts.
    valid_values = {r.value for r in records if r.valid}
    landed = [m for m in read_to_end(kafka_bootstrap, PARTICIPANT_EVENTS) if m.value in valid_values]
    astray = sum(m.partition != home_partition(json.loads(m.value)["participant_id"]) for m in landed)
    assert len(landed) == len(records) - len(invalid) and astray > 0
    assert outcomes(metrics)["rekeyed"] == astray

    dead_letters = sum(s.value for s in metrics["ucj_dead_letters"] if s.name.endswith("_total"))
    assert dead_letters == len(invalid)
    assert_dead_letter_topic_holds(kafka_bootstrap, invalid)
    assert worker.running()


def assert_dead_letter_topic_holds(bootstrap: str, invalid) -> None:
    # the worker counts a dead letter when it hands it to its producer, which sends it a moment later
    wait_until(
        lambda: sum(end_offsets(bootstrap, DEAD_LETTER).values()) >= len(invalid),
        f"{len(invalid)} dead letters on {DEAD_LETTER}",
    )
    letters = read_to_end(bootstrap, DEAD_LETTER)
    assert sorted(m.value for m in letters) == sorted(r.value for r in invalid)  # the original bytes
    reasons = Counter(dict(m.headers)["ucj-reason"].decode() for m in letters)
    assert reasons == Counter(r.invalid_reason for r in invalid)
