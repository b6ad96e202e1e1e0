"""Who may do what on the secure local broker: one principal per service, with only the ACLs it needs.

Pure data and rendering; services/dev/kafka_local/secure.py applies it to a broker.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.broker.topics import COVERAGE_ALERTS, DEAD_LETTER, NOTIFIER_GROUP, PARTICIPANT_EVENTS
from streams.broker.topics import WORKER_APP_ID as WORKER_GROUP

INTERNAL_PREFIX = f"{WORKER_GROUP}-"  # every topic the worker makes (Faust prefixes them with its app id)

ADMIN = "ucj-admin"  # super user: `ucj kafka`, `ucj replay`, topic creation
BROKER = "ucj-broker"  # the broker itself, between its listeners; super user
SERVICES = ("ucj-worker", "ucj-gateway", "ucj-producer", "ucj-notifier")
PRINCIPALS = (ADMIN, *SERVICES)  # those a user can ask credentials for
SUPER_USERS = (BROKER, ADMIN)


@dataclass(frozen=True)
class Grant:
    """Allow `principal` `operation` on a resource: TOPIC, GROUP or CLUSTER, by exact name or prefix."""

    principal: str
    operation: str  # a kafka ACL operation: READ, WRITE, CREATE, DESCRIBE, DESCRIBE_CONFIGS, IDEMPOTENT_WRITE
    resource: str
    name: str
    prefixed: bool = False

    def __str__(self) -> str:
        pattern = f"{self.name}*" if self.prefixed else self.name
        return f"{self.principal:<13} {self.operation:<17} {self.resource.lower()} {pattern}"


def _publisher(principal: str) -> list[Grant]:
    return [
        Grant(principal, "WRITE", "TOPIC", PARTICIPANT_EVENTS),
        Grant(principal, "IDEMPOTENT_WRITE", "CLUSTER", "kafka-cluster"),  # its producer is idempotent
    ]


GRANTS: tuple[Grant, ...] = (
    *_publisher("ucj-gateway"),
    *_publisher("ucj-producer"),
    Grant("ucj-worker", "READ", "TOPIC", PARTICIPANT_EVENTS),
    Grant("ucj-worker", "DESCRIBE_CONFIGS", "TOPIC", PARTICIPANT_EVENTS),
    Grant("ucj-worker", "READ", "GROUP", WORKER_GROUP),
    *(
        Grant("ucj-worker", operation, "TOPIC", INTERNAL_PREFIX, prefixed=True)
        for operation in ("READ", "WRITE", "CREATE", "DESCRIBE", "DESCRIBE_CONFIGS")
    ),
    Grant("ucj-worker", "WRITE", "TOPIC", DEAD_LETTER),
    Grant("ucj-worker", "READ", "TOPIC", COVERAGE_ALERTS),
    Grant("ucj-worker", "WRITE", "TOPIC", COVERAGE_ALERTS),
    Grant("ucj-notifier", "READ", "TOPIC", COVERAGE_ALERTS),
    Grant("ucj-notifier", "READ", "GROUP", NOTIFIER_GROUP),
)


def grants_of(principal: str) -> list[Grant]:
    return [grant for grant in GRANTS if grant.principal == principal]
