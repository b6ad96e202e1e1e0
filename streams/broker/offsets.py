"""Where a consumer group starts reading a partition, and where the partition ends, read from the broker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from streams.broker import topic_reader
from streams.broker.kafka_access import KafkaAccess, kafka_access


@dataclass(frozen=True)
class Span:
    start: int  # the group's committed offset, or the earliest offset when it has none
    end: int  # the end offset: the offset the next message will get


def spans(kafka: KafkaAccess | str, group: str, partitions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Span]:
    """Blocking (kafka-python): run it in an executor. Joins no group and commits nothing."""
    from kafka import KafkaConsumer, TopicPartition

    wanted = [TopicPartition(topic, partition) for topic, partition in partitions]
    consumer = KafkaConsumer(
        **kafka_access(kafka).kafka_python(group_id=group, enable_auto_commit=False, client_id=f"{group}-offsets")
    )
    try:
        ends = consumer.end_offsets(wanted)
        earliest = consumer.beginning_offsets(wanted)
        result = {}
        for tp in wanted:
            committed = consumer.committed(tp)
            start = committed if committed is not None and committed >= 0 else earliest[tp]
            result[(tp.topic, tp.partition)] = Span(start, ends[tp])
        return result
    finally:
        consumer.close(autocommit=False)


def end_offsets(kafka: KafkaAccess | str, topic: str) -> dict[int, int]:
    """Per partition of `topic`, the offset after its last message (partitions without messages left out)."""
    return {partition: end for (_, partition), end in topic_reader.end_offsets(kafka, topic).items() if end}
