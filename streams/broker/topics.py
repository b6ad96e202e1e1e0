"""Kafka topic names (public contract, see the design note), their layout, and their creation."""

from __future__ import annotations

import logging
import time

from streams.broker.kafka_access import KafkaAccess, kafka_access

log = logging.getLogger(__name__)

# The worker's Faust app id: its consumer group, and the prefix of every topic it makes
WORKER_APP_ID = "ucj-coverage"
# The notifier's consumer group on the alerts topic
NOTIFIER_GROUP = "ucj-notifier"
PARTICIPANT_EVENTS = "ucj.participant-events"
DEAD_LETTER = "ucj.dead-letter"
COVERAGE_ALERTS = "ucj.coverage-alerts"
# Internal: the participant table (Faust names its changelog after the app id and the table)
PARTICIPANT_TABLE = "participants"
PARTICIPANT_CHANGELOG = f"{WORKER_APP_ID}-{PARTICIPANT_TABLE}-changelog"
# Internal: events produced without participant_id as key land on the wrong partition; the
# worker forwards them here, keyed properly, so one participant's state lives in one partition.
REKEYED_EVENTS = f"{WORKER_APP_ID}-rekeyed-events"
# Internal: absolute partial counts per event partition, keyed by that partition and
# compacted, so it holds the latest partial of each. The volume is small (one message per
# partition every few seconds), so one partition does: its owner sees the whole province,
# which province figures and alerts need, and each partial stays atomic across regions.
REGION_PARTIALS = f"{WORKER_APP_ID}-region-partials"

# Partition count the events topic is created with. The participant table is co-partitioned
# with it, and it bounds how many workers can share the load. A topic that already exists
# keeps its own count, which the worker then uses.
EVENT_PARTITIONS = 8

# the source of truth: every derived number is rebuilt from it, so it is never deleted
FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}
DEAD_LETTER_RETENTION = {"retention.ms": str(90 * 24 * 3600 * 1000)}
COMPACTED = {"cleanup.policy": "compact"}


def ensure_topics(kafka: KafkaAccess | str, wait_seconds: float = 0.0) -> int:
    """Create the topics the pipeline uses when missing; returns the events topic's partition count.

    Every entry point calls this before it produces or consumes, because a broker that
    auto-creates topics would give the events topic a single partition. Services pass
    `wait_seconds`: a broker that is down or still starting is asked again until then, so a
    service started with (or just before) Kafka waits for it instead of exiting.

    On a broker with ACLs, a service sees only the topics it may use and creates only those it
    may create: the others are left to the principal that owns them (`ucj kafka up --secure`
    creates every topic as ucj-admin).
    """
    from kafka.errors import KafkaConnectionError, KafkaTimeoutError

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return _ensure_topics_once(kafka_access(kafka))
        except _not_ready_errors() as error:
            if time.monotonic() >= deadline:
                if isinstance(error, (KafkaConnectionError, KafkaTimeoutError)):
                    raise
                raise KafkaTimeoutError(f"Kafka was not ready: {error}") from error
            log.warning(
                "Kafka at %s is not ready (%s: %s); asking again in %.0f s",
                kafka_access(kafka).describe(),
                type(error).__name__,
                error,
                RETRY_SECONDS,
            )
            time.sleep(RETRY_SECONDS)


def _not_ready_errors() -> tuple[type[Exception], ...]:
    from kafka.errors import (
        BrokerNotAvailableError,
        InvalidReplicationFactorError,
        KafkaConnectionError,
        KafkaTimeoutError,
        NodeNotReadyError,
    )

    # a single broker that is starting or stopping is "fenced": it refuses new topics
    return (
        KafkaConnectionError,
        KafkaTimeoutError,
        NodeNotReadyError,
        BrokerNotAvailableError,
        InvalidReplicationFactorError,
    )


RETRY_SECONDS = 2.0


def _ensure_topics_once(kafka: KafkaAccess) -> int:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(**kafka.kafka_python(client_id="ucj-topics"))
    try:
        # a principal that may not see the events topic (the notifier) has no use for its size
        partitions = _create_missing(admin, PARTICIPANT_EVENTS, EVENT_PARTITIONS, FOREVER) or EVENT_PARTITIONS
        rekeyed = _create_missing(admin, REKEYED_EVENTS, partitions, {})
        if rekeyed is not None and rekeyed != partitions:
            raise SystemExit(
                f"topic {REKEYED_EVENTS} has {rekeyed} partitions but {PARTICIPANT_EVENTS} has {partitions}; "
                f"delete {REKEYED_EVENTS} (it holds only forwarded copies) and start again"
            )
        _create_missing(admin, DEAD_LETTER, 1, DEAD_LETTER_RETENTION)
        # the alert log: the worker rebuilds which alerts are open from it, so it is kept
        _create_missing(admin, COVERAGE_ALERTS, 1, FOREVER)
        _create_missing(admin, REGION_PARTIALS, 1, COMPACTED)
        return partitions
    finally:
        admin.close()


def _create_missing(admin, name: str, partitions: int, configs: dict) -> int | None:
    """The topic's partition count once it exists; None if this principal may neither see nor create it."""
    from kafka.admin import NewTopic
    from kafka.errors import ClusterAuthorizationFailedError, TopicAlreadyExistsError, TopicAuthorizationFailedError

    if name not in set(admin.list_topics()):
        try:
            admin.create_topics([NewTopic(name, partitions, replication_factor=1, topic_configs=configs)])
            log.info("created topic %s with %d partitions %s", name, partitions, configs)
        except TopicAlreadyExistsError:  # another process won the race, or it is hidden from us
            return None if name not in set(admin.list_topics()) else _partitions(admin, name)
        except (TopicAuthorizationFailedError, ClusterAuthorizationFailedError):
            log.debug("topic %s is another principal's: not visible to this one, nor for it to create", name)
            return None
    return _partitions(admin, name)


def _partitions(admin, name: str) -> int:
    # a new topic's partitions show in metadata only once the controller has propagated them
    deadline = time.monotonic() + 30
    while True:
        [described] = admin.describe_topics([name])
        if described["partitions"] or time.monotonic() > deadline:
            return len(described["partitions"])
        time.sleep(0.2)
