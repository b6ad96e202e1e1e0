"""A local single-node Apache Kafka broker for development: `ucj kafka up|down|status`."""

from services.dev.kafka_local.manager import (
    DEFAULT_PORT,
    BrokerStatus,
    KafkaLocalError,
    MissingToolError,
    broker_status,
    ensure_broker,
    stop_broker,
)

__all__ = [
    "DEFAULT_PORT",
    "BrokerStatus",
    "KafkaLocalError",
    "MissingToolError",
    "broker_status",
    "ensure_broker",
    "stop_broker",
]
