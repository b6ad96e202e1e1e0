"""End to end on a real broker: a messy stream through the producer code into a running worker."""
from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

import pytest
from kafka import KafkaConsumer

from services.producer import EventPublisher, kafka_producer
from services.registry import Registry
from streams.topics import DEAD_LETTER, PARTICIPANT_EVENTS
from tests.integration.conftest import FIXED_NOW
from tests.integration.streams import differences, exported_active, messy_stream, true_counts

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat(FIXED_NOW)


def processed(metrics: dict) -> int:
    # a re-keyed message is counted once when forwarded and once when applied
    return int(sum(s.value for s in metrics.get("ucj_events", []) if s.name.endswith("_total") and s.labels["outcome"] != "rekeyed"))


@pytest.mark.parametrize("store", ["memory", "rocksdb"])
def test_messy_stream_gives_exact_counts_per_region(kafka_bootstrap, registry_url, start_worker, store):
    records, keyless = messy_stream(participants=6_000, seed=7, now=NOW)
    invalid = [r for r in records if not r.valid]
    assert len(records) >= 20_000 and invalid and keyless

    worker = start_worker(store=store)
    worker.wait_ready()

    producer = kafka_producer(kafka_bootstrap)
    publisher = EventPublisher(producer, Registry(registry_url).region_tree(), lambda: NOW)
    keyed_valid = [r.value for r in records if r.valid and id(r) not in keyless]
    for record in records:  # what a misbehaving system sends: no checks, sometimes no key
        if not record.valid or id(record) in keyless:
            producer.send(PARTICIPANT_EVENTS, key=None if id(record) in keyless else record.key, value=record.value)
    report = publisher.publish(keyed_valid)
    assert report.ok and report.sent == len(keyed_valid)
    producer.close()

    deadline = time.monotonic() + 300
    while (done := processed(worker.metrics())) < len(records):
        assert worker.running(), worker.log_tail()
        assert time.monotonic() < deadline, f"processed {done} of {len(records)}"
        time.sleep(1)
    time.sleep(1)  # let the last scrape settle

    metrics = worker.metrics()
    assert processed(metrics) == len(records)
    expected = true_counts(records, NOW.date())
    exported = exported_active(metrics)
    tree = Registry(registry_url).region_tree()
    for level, how_many in (("province", 1), ("regency", 14), ("district", 174)):
        codes = tree.codes_at(level)
        assert len(codes) == how_many
        assert differences(exported, expected, codes) == {}, f"{level}: exported vs true count differ"
    assert exported["61"] > 1_000

    dead_letters = sum(s.value for s in metrics["ucj_dead_letters"] if s.name.endswith("_total"))
    assert dead_letters == len(invalid)
    assert_dead_letter_topic_holds(kafka_bootstrap, invalid)
    lag = {s.labels["partition"]: s.value for s in metrics["ucj_consumer_lag_messages"]}
    assert lag == {str(p): 0 for p in range(8)}
    assert worker.running()


def assert_dead_letter_topic_holds(bootstrap: str, invalid) -> None:
    consumer = KafkaConsumer(DEAD_LETTER, bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=5000)
    letters = list(consumer)
    consumer.close()
    assert sorted(m.value for m in letters) == sorted(r.value for r in invalid)  # the original bytes
    reasons = Counter(dict(m.headers)["ucj-reason"].decode() for m in letters)
    assert reasons == Counter(r.invalid_reason for r in invalid)
