"""Publishing participant events: check each one, send it keyed by participant_id, wait for acks.

This is the small API registration systems use from Python; `ucj produce` is built on it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Container, Iterable

from kafka import KafkaProducer

from streams.domain.validation import Rejected, parse_event
from streams.topics import PARTICIPANT_EVENTS

log = logging.getLogger(__name__)


@dataclass
class PublishReport:
    sent: int = 0
    rejected: list[tuple[int, Rejected]] = field(default_factory=list)  # (line, why)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (line, broker error)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.failed


def kafka_producer(bootstrap: str, **overrides) -> KafkaProducer:
    settings = dict(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,  # retries never write an event twice
        linger_ms=20,
        batch_size=256 * 1024,
        compression_type="gzip",
        client_id="ucj-producer",
    )
    settings.update(overrides)
    return KafkaProducer(**settings)


class EventPublisher:
    """Checks events with the worker's own validation before they leave, so bad input is caught at the source."""

    def __init__(self, producer: KafkaProducer, regions: Container[str], now: Callable[[], datetime], topic: str = PARTICIPANT_EVENTS):
        self.producer = producer
        self.regions = regions
        self.now = now
        self.topic = topic

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
            result = parse_event(line, self.regions, self.now())
            if isinstance(result, Rejected):
                report.rejected.append((number, result))
                continue
            future = self.producer.send(self.topic, key=result.participant_id.encode(), value=line)
            future.add_callback(lambda _meta: _count_sent(report))
            future.add_errback(lambda error, n=number: report.failed.append((n, str(error))))
            if progress and number % progress_every == 0:
                progress(report)
        self.producer.flush()
        return report


def _count_sent(report: PublishReport) -> None:
    report.sent += 1
