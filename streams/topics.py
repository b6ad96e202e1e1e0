"""Kafka topic names (public contract, see the design note), their layout, and their creation."""
from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

PARTICIPANT_EVENTS = "ucj.participant-events"
DEAD_LETTER = "ucj.dead-letter"
COVERAGE_ALERTS = "ucj.coverage-alerts"
# Internal: events produced without participant_id as key land on the wrong partition; the
# worker forwards them here, keyed properly, so one participant's state lives in one partition.
REKEYED_EVENTS = "ucj-coverage-rekeyed-events"

# Partition count the events topic is created with. The participant table is co-partitioned
# with it, and it bounds how many workers can share the load. A topic that already exists
# keeps its own count, which the worker then uses.
EVENT_PARTITIONS = 8

# the source of truth: every derived number is rebuilt from it, so it is never deleted
FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}
DEAD_LETTER_RETENTION = {"retention.ms": str(90 * 24 * 3600 * 1000)}
# Alert transitions are derived (rebuildable from the events), read by the notifier; a year
# lets a notifier that was away for long catch up. One partition: a handful a day, in order.
ALERT_PARTITIONS = 1
ALERT_RETENTION = {"retention.ms": str(365 * 24 * 3600 * 1000)}


def ensure_topics(bootstrap: str) -> int:
    """Create the topics the pipeline uses when missing; returns the events topic's partition count.

    Every entry point calls this before it produces or consumes, because a broker that
    auto-creates topics would give the events topic a single partition.
    """
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="ucj-admin")
    try:
        partitions = _create_missing(admin, PARTICIPANT_EVENTS, EVENT_PARTITIONS, FOREVER)
        rekeyed = _create_missing(admin, REKEYED_EVENTS, partitions, {})
        if rekeyed != partitions:
            raise SystemExit(
                f"topic {REKEYED_EVENTS} has {rekeyed} partitions but {PARTICIPANT_EVENTS} has {partitions}; "
                f"delete {REKEYED_EVENTS} (it holds only forwarded copies) and start again"
            )
        _create_missing(admin, DEAD_LETTER, 1, DEAD_LETTER_RETENTION)
        _create_missing(admin, COVERAGE_ALERTS, ALERT_PARTITIONS, ALERT_RETENTION)
        return partitions
    finally:
        admin.close()


def _create_missing(admin, name: str, partitions: int, configs: dict) -> int:
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    if name not in set(admin.list_topics()):
        try:
            admin.create_topics([NewTopic(name, partitions, replication_factor=1, topic_configs=configs)])
            log.info("created topic %s with %d partitions %s", name, partitions, configs)
        except TopicAlreadyExistsError:  # another process won the race
            pass
    # a new topic's partitions show in metadata only once the controller has propagated them
    deadline = time.monotonic() + 30
    while True:
        [described] = admin.describe_topics([name])
        if described["partitions"] or time.monotonic() > deadline:
            return len(described["partitions"])
        time.sleep(0.2)
