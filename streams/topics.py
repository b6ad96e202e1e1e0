"""Kafka topic names (public contract, see the design note), their layout, and their creation."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)

PARTICIPANT_EVENTS = "ucj.participant-events"
DEAD_LETTER = "ucj.dead-letter"
COVERAGE_ALERTS = "ucj.coverage-alerts"
# Internal: events produced without participant_id as key land on the wrong partition; the
# worker forwards them here, keyed properly, so one participant's state lives in one partition.
REKEYED_EVENTS = "ucj-coverage-rekeyed-events"

# Partition count of the events topic; the participant table is co-partitioned with it.
# It bounds how many workers can share the load, and cannot change without a migration
# (a participant's partition is its participant_id's hash modulo this number).
EVENT_PARTITIONS = 8

TOPIC_CONFIGS = {
    # the source of truth: every derived number is rebuilt from it, so it is never deleted
    PARTICIPANT_EVENTS: (EVENT_PARTITIONS, {"retention.ms": "-1", "retention.bytes": "-1"}),
    REKEYED_EVENTS: (EVENT_PARTITIONS, {}),
    DEAD_LETTER: (1, {"retention.ms": str(90 * 24 * 3600 * 1000)}),
}


def ensure_topics(bootstrap: str) -> None:
    """Create the public topics with their documented layout when they do not exist yet.

    Producing to a missing topic would auto-create it with one partition, so every entry
    point calls this before it produces or consumes.
    """
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="ucj-admin")
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(name, partitions, replication_factor=1, topic_configs=configs)
            for name, (partitions, configs) in TOPIC_CONFIGS.items()
            if name not in existing
        ]
        for topic in missing:
            try:
                admin.create_topics([topic])
                log.info("created topic %s with %d partitions %s", topic.name, topic.num_partitions, topic.topic_configs)
            except TopicAlreadyExistsError:  # another process won the race
                pass
        _check_partitions(admin)
    finally:
        admin.close()


def _check_partitions(admin) -> None:
    described = admin.describe_topics([PARTICIPANT_EVENTS])
    count = len(described[0]["partitions"])
    if count != EVENT_PARTITIONS:
        raise SystemExit(
            f"topic {PARTICIPANT_EVENTS} has {count} partitions, expected {EVENT_PARTITIONS}; "
            "it was probably auto-created by a producer. Recreate it (its events are the source of truth: "
            "copy them first) or see the README on partitions."
        )
