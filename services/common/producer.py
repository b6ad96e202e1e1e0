"""Publishing participant events: check each one, send it keyed by participant_id, wait for acks.

This is the small API registration systems use from Python; `ucj produce` is built on it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Container, Iterable

from kafka import KafkaProducer

from streams.broker.kafka_access import KafkaAccess, kafka_access
from streams.broker.topics import PARTICIPANT_EVENTS
from streams.domain.edge import pseudonymize_fields
from streams.domain.events import ParticipantEvent
from streams.domain.pseudonym import Pseudonymizer
from streams.domain.validation import Rejected, decode_object, parse_event

log = logging.getLogger(__name__)


@dataclass
class PublishReport:
    sent: int = 0
    rejected: list[tuple[int, Rejected]] = field(default_factory=list)  # (line, why)
    failed: list[tuple[int, Exception]] = field(default_factory=list)  # (line, broker error)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.failed


def kafka_producer(kafka: KafkaAccess | str, **overrides) -> KafkaProducer:
    settings = dict(
        acks="all",
        enable_idempotence=True,  # retries never write an event twice
        linger_ms=20,
        batch_size=256 * 1024,
        compression_type="gzip",
        client_id="ucj-producer",
    )
    settings.update(overrides)
    return KafkaProducer(**kafka_access(kafka).kafka_python(**settings))


class EventPublisher:
    """Checks events with the worker's own validation before they leave, so bad input is caught at the source.

    With a pseudonymizer, an event may name its worker by `nik` instead of `participant_id`:
    the NIK becomes the same participant_id the gateway gives it, and is not sent. Without
    one, an event with a nik is rejected (raw_nik).
    """

    def __init__(
        self,
        producer: KafkaProducer,
        regions: Container[str],
        now: Callable[[], datetime],
        topic: str = PARTICIPANT_EVENTS,
        pseudonymizer: Pseudonymizer | None = None,
    ):
        self.producer = producer
        self.regions = regions
        self.now = now
        self.topic = topic
        self.pseudonymizer = pseudonymizer

    def check(self, line: bytes) -> tuple[bytes, ParticipantEvent] | Rejected:
        """The bytes to send for one input line, and its event; or why it cannot be sent."""
        if self.pseudonymizer is not None:
            obj = decode_object(line)
            if isinstance(obj, Rejected):
                return obj
            pseudonymized = pseudonymize_fields(obj, self.pseudonymizer)
            if isinstance(pseudonymized, Rejected):
                return pseudonymized
            if pseudonymized is not obj:
                line = json.dumps(pseudonymized, separators=(",", ":")).encode("ascii")
        result = parse_event(line, self.regions, self.now())
        return result if isinstance(result, Rejected) else (line, result)

    def publish(
        self,
        lines: Iterable[bytes],
        report: PublishReport | None = None,
        progress: Callable[[PublishReport], None] | None = None,
        progress_every: int = 10_000,
    ) -> PublishReport:
        """Send every valid line; report each rejected or failed one by line number (1-based)."""
        report = report or PublishReport()
        for number, line in enumerate(lines, start=1):
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            checked = self.check(line)
            if isinstance(checked, Rejected):
                report.rejected.append((number, checked))
                continue
            value, event = checked
            future = self.producer.send(self.topic, key=event.participant_id.encode(), value=value)
            future.add_callback(lambda _meta: _count_sent(report))
            future.add_errback(lambda error, n=number: report.failed.append((n, error)))
            if progress and number % progress_every == 0:
                progress(report)
        self.producer.flush()
        return report


def _count_sent(report: PublishReport) -> None:
    report.sent += 1
