"""Where a participant's events belong: the partition of its participant_id under Kafka's default partitioner."""
from __future__ import annotations

from kafka.partitioner.default import murmur2


def partition_of(participant_id: str, partitions: int) -> int:
    # the same murmur2 hash as the Java client, kafka-python and aiokafka use for keyed records
    return (murmur2(participant_id.encode()) & 0x7FFFFFFF) % partitions
