"""How far a running worker has read a topic, from its /status page."""

from __future__ import annotations

import json
import urllib.request

from streams.broker.kafka_access import KafkaAccess, kafka_access


def end_offsets(kafka: KafkaAccess | str, topic: str) -> dict[int, int]:
    """Per partition, the offset after the last message (partitions without messages left out)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**kafka_access(kafka).kafka_python())
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(partitions).items() if offset}
    finally:
        consumer.close()


def worker_status(url: str) -> dict:
    with urllib.request.urlopen(url + "/status", timeout=10) as response:
        return json.load(response)


def processed(status: dict, topic: str, targets: dict[int, int]) -> int:
    """Messages of `topic` the worker has processed, counted up to the targets."""
    done = {partition: offset for name, partition, offset in status["next_offsets"] if name == topic}
    return sum(min(done.get(p, 0), end) for p, end in targets.items())
