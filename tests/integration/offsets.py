"""A topic read up to its end offsets, and whether a consumer group has committed up to them.

Reading "until nothing came for a few seconds" ends early on a slow broker; the end offsets
say exactly where a topic ends when it is read.
"""

from __future__ import annotations

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from streams.broker.kafka_access import KafkaAccess, kafka_access
from tests.integration.waiting import wait_until


def read_to_end(kafka: KafkaAccess | str, topic: str, timeout: float = 180) -> list:
    """Every record of `topic` (ConsumerRecord), from the beginning to its end offsets at the call."""
    consumer = KafkaConsumer(**kafka_access(kafka).kafka_python(group_id=None, enable_auto_commit=False))
    try:
        partitions = _partitions(consumer, topic)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list = []

        def at_the_end() -> bool:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            return all(consumer.position(tp) >= ends[tp] for tp in partitions)

        wait_until(
            at_the_end,
            lambda: f"{topic} read to its end offsets {ends} (read {len(records)})",
            timeout=timeout,
            every=0,
        )
        return records
    finally:
        consumer.close()


def end_offsets(kafka: KafkaAccess | str, topic: str) -> dict[TopicPartition, int]:
    consumer = KafkaConsumer(**kafka_access(kafka).kafka_python(group_id=None, enable_auto_commit=False))
    try:
        return consumer.end_offsets(_partitions(consumer, topic))
    finally:
        consumer.close()


def committed_to_end(kafka: KafkaAccess | str, group: str, topic: str) -> bool:
    """Has `group` committed offsets at the end of every partition of `topic` (has nothing left to read)?"""
    ends = end_offsets(kafka, topic)
    admin = KafkaAdminClient(**kafka_access(kafka).kafka_python())
    try:
        committed = admin.list_group_offsets(group)[group]
    finally:
        admin.close()
    return all(end == 0 or (tp in committed and committed[tp].offset >= end) for tp, end in ends.items())


def _partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    found = consumer.partitions_for_topic(topic)
    assert found, f"topic {topic} does not exist"
    return [TopicPartition(topic, p) for p in sorted(found)]
