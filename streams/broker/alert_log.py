"""The alert log (topic ucj.coverage-alerts) read back, to know which alerts are open."""

from __future__ import annotations

import json
import logging

from streams.broker.kafka_access import KafkaAccess
from streams.broker.topic_reader import end_offsets, read_to
from streams.broker.topics import COVERAGE_ALERTS
from streams.domain.alerting import AlertBook
from streams.domain.alerts import AlertTransition, alert_from_wire

log = logging.getLogger(__name__)

CLIENT_ID = "ucj-alert-log"


def read_alert_log(
    kafka: KafkaAccess | str, topic: str = COVERAGE_ALERTS, timeout: float = 60
) -> list[AlertTransition]:
    """Every transition on the topic up to its end offsets now, in log order; unreadable messages are logged and skipped."""
    ends = end_offsets(kafka, topic, client_id=CLIENT_ID)
    transitions: list[AlertTransition] = []
    for record in read_to(kafka, ends, timeout, client_id=CLIENT_ID):
        try:
            transitions.append(alert_from_wire(json.loads(record.value)))
        except (ValueError, KeyError, TypeError) as error:
            log.warning("skipping unreadable alert at %s/%s: %s", record.partition, record.offset, error)
    return transitions


def book_from_log(transitions: list[AlertTransition]) -> AlertBook:
    book = AlertBook()
    for t in transitions:
        book.record(t.kind, t.region_code, t.transition, t.alert_id, t.sequence, t.status)
    return book
