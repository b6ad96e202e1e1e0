"""A topic read up to its end offsets, and whether a consumer group has committed up to them.

Reading "until nothing came for a few seconds" ends early on a slow broker; the end offsets
say exactly where a topic ends when it is read. The reading is streams.broker.topic_reader's.
"""

from __future__ import annotations

from kafka import TopicPartition

from streams.broker import topic_reader
from streams.broker.kafka_access import KafkaAccess


def read_to_end(kafka: KafkaAccess | str, topic: str, timeout: float = 180) -> list:
    """Every record of `topic` (ConsumerRecord), from the beginning to its end offsets at the call."""
    return list(topic_reader.read_to(kafka, _ends(kafka, topic), timeout))


def end_offsets(kafka: KafkaAccess | str, topic: str) -> dict[TopicPartition, int]:
    return {TopicPartition(t, p): end for (t, p), end in _ends(kafka, topic).items()}


def committed_to_end(kafka: KafkaAccess | str, group: str, topic: str) -> bool:
    """Has `group` committed offsets at the end of every partition of `topic` (has nothing left to read)?"""
    ends = _ends(kafka, topic)
    committed = topic_reader.committed_offsets(kafka, group)
    return all(end == 0 or committed.get(position, -1) >= end for position, end in ends.items())


def _ends(kafka: KafkaAccess | str, topic: str) -> dict[topic_reader.Position, int]:
    ends = topic_reader.end_offsets(kafka, topic)
    assert ends, f"topic {topic} does not exist"
    return ends
