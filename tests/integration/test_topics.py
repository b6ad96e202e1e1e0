"""The topics a worker leaves on the broker: the source of truth kept forever, changelogs compact-only."""

from __future__ import annotations

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from streams.broker.topics import EVENT_PARTITIONS, PARTICIPANT_EVENTS, REKEYED_EVENTS

pytestmark = pytest.mark.integration

CHANGELOG = "ucj-coverage-participants-changelog"


def test_topic_layout(kafka_bootstrap, start_worker):
    start_worker().wait_ready()
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        partitions = {
            t["name"]: len(t["partitions"])
            for t in admin.describe_topics([PARTICIPANT_EVENTS, REKEYED_EVENTS, CHANGELOG])
        }
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t) for t in (PARTICIPANT_EVENTS, CHANGELOG)]
        )["topic"]
    finally:
        admin.close()
    assert partitions == {
        PARTICIPANT_EVENTS: EVENT_PARTITIONS,
        REKEYED_EVENTS: EVENT_PARTITIONS,
        CHANGELOG: EVENT_PARTITIONS,
    }
    assert configs[PARTICIPANT_EVENTS]["retention.ms"]["value"] == "-1"
    assert configs[PARTICIPANT_EVENTS]["retention.bytes"]["value"] == "-1"
    # compact only: upstream table recovery mishandles compact,delete
    assert configs[CHANGELOG]["cleanup.policy"]["value"] == "compact"
