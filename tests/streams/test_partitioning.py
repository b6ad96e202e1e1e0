"""partition_of puts a participant where Kafka clients put a record keyed by its participant_id.

The worker re-keys every event that is not in that partition: a different hash would re-key
nearly every event and still count exactly, so only a comparison with the clients shows it.
"""

from __future__ import annotations

import pytest
from aiokafka.partitioner import DefaultPartitioner as AiokafkaPartitioner
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.partitioner.default import DefaultPartitioner as KafkaPythonPartitioner

from streams.partitioning import partition_of

TOPIC = "ucj.participant-events"

# murmur2 of these bytes in the Java client (Apache Kafka's UtilsTest.testMurmur2), as a signed int
JAVA_MURMUR2 = {
    "21": -973932308,
    "foobar": -790332482,
    "a-little-bit-long-string": -985981536,
    "a-little-bit-longer-string": -1486304829,
    "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    "abc": 479470107,
}


class OneTopic:
    """The cluster metadata kafka-python's partitioner reads: one topic, every partition available."""

    def __init__(self, partitions: int):
        self.partitions = set(range(partitions))

    def topics(self):
        return {TOPIC}

    def partitions_for_topic(self, topic):
        return self.partitions

    def available_partitions_for_topic(self, topic):
        return self.partitions


def kafka_python_partition(key: bytes, partitions: int) -> int:
    return KafkaPythonPartitioner().partition(TOPIC, key, key, None, None, OneTopic(partitions))


def aiokafka_partition(key: bytes, partitions: int) -> int:
    everything = list(range(partitions))
    return AiokafkaPartitioner()(key, everything, everything)


@pytest.mark.parametrize("participant_id, java_hash", JAVA_MURMUR2.items())
@pytest.mark.parametrize("partitions", [1, 3, 8, 12, 50, 1000])
def test_the_java_clients_partition(participant_id, java_hash, partitions):
    assert partition_of(participant_id, partitions) == (java_hash & 0x7FFFFFFF) % partitions


participant_ids = st.one_of(
    st.integers(min_value=0, max_value=2**64 - 1).map(lambda x: f"P-{x:016x}"),  # ids of the old simulator format
    st.uuids().map(str),
    st.text(),  # any Unicode: an id is hashed as its UTF-8 bytes, the key the clients send
)


@settings(max_examples=500, deadline=None)  # no deadline: a busy machine makes an example slow, not wrong
@given(participant_id=participant_ids, partitions=st.integers(min_value=1, max_value=1000))
def test_the_python_clients_partition(participant_id, partitions):
    key = participant_id.encode()
    assert partition_of(participant_id, partitions) == kafka_python_partition(key, partitions)
    assert partition_of(participant_id, partitions) == aiokafka_partition(key, partitions)  # the worker's producer
