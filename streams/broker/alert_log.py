"""The alert log (topic ucj.coverage-alerts) read back, to know which alerts are open."""

from __future__ import annotations

import json
import logging
import time

from streams.broker.kafka_access import KafkaAccess, kafka_access
from streams.broker.topics import COVERAGE_ALERTS
from streams.domain.alerting import AlertBook
from streams.domain.alerts import AlertTransition, alert_from_wire

log = logging.getLogger(__name__)


def read_alert_log(
    kafka: KafkaAccess | str, topic: str = COVERAGE_ALERTS, timeout: float = 60
) -> list[AlertTransition]:
    """Every transition on the topic, in log order; unreadable messages are logged and skipped."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        **kafka_access(kafka).kafka_python(group_id=None, enable_auto_commit=False, client_id="ucj-alert-log")
    )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        transitions: list[AlertTransition] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} took over {timeout:.0f} s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        transitions.append(alert_from_wire(json.loads(record.value)))
                    except (ValueError, KeyError, TypeError) as error:
                        log.warning("skipping unreadable alert at %s/%s: %s", record.partition, record.offset, error)
        return transitions
    finally:
        consumer.close()


def book_from_log(transitions: list[AlertTransition]) -> AlertBook:
    book = AlertBook()
    for t in transitions:
        book.record(t.kind, t.region_code, t.transition, t.alert_id, t.sequence, t.status)
    return book
