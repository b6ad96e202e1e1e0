"""Topics read from the beginning up to given end offsets, and a group's committed offsets (kafka-python, blocking)."""

from __future__ import annotations

import time
from typing import Callable, Iterator

from streams.broker.kafka_access import KafkaAccess, kafka_access

Position = tuple[str, int]  # (topic, partition)


def end_offsets(kafka: KafkaAccess | str, topic: str, client_id: str = "ucj-reader") -> dict[Position, int]:
    """Where each partition of `topic` ends now: the offset its next record will get. {} when it does not exist."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        **kafka_access(kafka).kafka_python(group_id=None, enable_auto_commit=False, client_id=client_id)
    )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        return (
            {(tp.topic, tp.partition): end for tp, end in consumer.end_offsets(partitions).items()}
            if partitions
            else {}
        )
    finally:
        consumer.close()


def committed_offsets(kafka: KafkaAccess | str, group: str) -> dict[Position, int]:
    """The group's committed offsets (the next offset it will read), by topic partition."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(**kafka_access(kafka).kafka_python(client_id="ucj-reader"))
    try:
        found = admin.list_group_offsets(group).get(group, {})
        return {(tp.topic, tp.partition): meta.offset for tp, meta in found.items() if meta.offset >= 0}
    finally:
        admin.close()


def read_to(
    kafka: KafkaAccess | str,
    ends: dict[Position, int],
    timeout: float = 3600,
    progress: Callable[[int], None] | None = None,
    client_id: str = "ucj-reader",
) -> Iterator:
    """Every record (kafka-python's ConsumerRecord) before the given end offsets, in offset order within each partition.

    The one loop that reads topics from their beginning to given end offsets (the alert log
    and the integration tests read through it too). TimeoutError after `timeout` seconds.
    """
    from kafka import KafkaConsumer, TopicPartition

    wanted = {TopicPartition(topic, p): end for (topic, p), end in ends.items() if end > 0}
    if not wanted:
        return
    consumer = KafkaConsumer(
        **kafka_access(kafka).kafka_python(
            group_id=None, enable_auto_commit=False, client_id=client_id, max_partition_fetch_bytes=8 * 1024 * 1024
        )
    )
    try:
        consumer.assign(list(wanted))
        consumer.seek_to_beginning(*wanted)
        deadline, read = time.monotonic() + timeout, 0
        while any(consumer.position(tp) < end for tp, end in wanted.items()):
            if time.monotonic() > deadline:
                topics = ", ".join(sorted({tp.topic for tp in wanted}))
                raise TimeoutError(f"reading {topics} took over {timeout:.0f} s")
            for tp, records in consumer.poll(timeout_ms=500, max_records=10_000).items():
                for record in records:
                    if record.offset < wanted[tp]:
                        yield record
                        read += 1
                if progress is not None:
                    progress(read)
    finally:
        consumer.close()
