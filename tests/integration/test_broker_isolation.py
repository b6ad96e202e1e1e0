"""The session's broker is emptied between tests: what one test leaves, the next does not see."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from streams.broker.topics import PARTICIPANT_EVENTS
from tests.integration.broker import empty_broker

pytestmark = pytest.mark.integration


def test_emptying_removes_topics_and_groups_and_a_topic_can_be_created_again_at_once(kafka_bootstrap):
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(PARTICIPANT_EVENTS, 2, 1)])
        admin.wait_for_topics([PARTICIPANT_EVENTS], timeout_ms=60_000)
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
        producer.send(PARTICIPANT_EVENTS, key=b"P-1", value=b"left by an earlier test").get(timeout=60)
        producer.close()
        consumer = KafkaConsumer(
            PARTICIPANT_EVENTS,
            bootstrap_servers=kafka_bootstrap,
            group_id="ucj-earlier-test",
            auto_offset_reset="earliest",
        )
        deadline = time.monotonic() + 120
        while not consumer.poll(timeout_ms=1000):  # joins the group and reads the message
            assert time.monotonic() < deadline, "the message was not read in 120 s"
        consumer.commit()
        consumer.close()  # leaves the group: its committed offsets remain until it is deleted
        assert [g["group_id"] for g in admin.list_groups()] == ["ucj-earlier-test"]

        empty_broker(kafka_bootstrap)

        assert [t for t in admin.list_topics() if not t.startswith("__")] == []
        assert admin.list_groups() == []
        # the same name at once, with another partition count: no "marked for deletion"
        admin.create_topics([NewTopic(PARTICIPANT_EVENTS, 8, 1)])
        admin.wait_for_topics([PARTICIPANT_EVENTS], timeout_ms=60_000)
        [described] = admin.describe_topics([PARTICIPANT_EVENTS])
        assert len(described["partitions"]) == 8
    finally:
        admin.close()
