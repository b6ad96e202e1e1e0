"""The Kafka adapter: send admitted events and learn which ones the broker acknowledged.

Blocking (kafka-python); the API calls it from a worker thread. When the broker cannot be
reached, or a send fails, the producer is closed and a new one is made for the next
request: an idempotent producer whose batches expired can otherwise stay unable to send.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from kafka import KafkaProducer
from kafka.errors import KafkaError

from services.common.producer import kafka_producer
from services.gateway.settings import BOOTSTRAP_TIMEOUT_MS, DELIVERY_TIMEOUT_MS, MAX_BLOCK_MS, REQUEST_TIMEOUT_MS
from streams.broker.kafka_access import KafkaAccess, kafka_access
from streams.broker.topics import PARTICIPANT_EVENTS, ensure_topics
from streams.domain.events import ParticipantEvent, to_wire

log = logging.getLogger(__name__)


def message(event: ParticipantEvent) -> tuple[bytes, bytes]:
    """(key, value) of an event on the events topic: keyed by participant_id, the canonical JSON as value.

    ASCII JSON is also UTF-8, and stays encodable whatever the strings hold.
    """
    return event.participant_id.encode(), json.dumps(to_wire(event), separators=(",", ":")).encode()


# What became of each message of a batch (validation bounds an event far below Kafka's message size):
ACKNOWLEDGED = "acknowledged"
UNPUBLISHED = "unpublished"  # the broker could not be reached or did not acknowledge in time


@dataclass(frozen=True)
class Delivery:
    results: tuple[str, ...]  # per message, in order
    error: str | None = None  # why some were unpublished


def gateway_producer(kafka: KafkaAccess) -> KafkaProducer:
    """The project's producer (acks=all, idempotent) with timeouts short enough for a request."""
    return kafka_producer(
        kafka,
        client_id="ucj-gateway",
        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        max_block_ms=MAX_BLOCK_MS,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        delivery_timeout_ms=DELIVERY_TIMEOUT_MS,
        allow_auto_create_topics=False,  # a topic made by the broker would have one partition
    )


class KafkaPublisher:
    """Publishes batches to the events topic with one shared producer, made when first needed."""

    def __init__(
        self,
        kafka: KafkaAccess | str,
        topic: str = PARTICIPANT_EVENTS,
        make_producer: Callable[[KafkaAccess], KafkaProducer] = gateway_producer,
        make_topics: Callable[[KafkaAccess], object] = ensure_topics,
    ):
        self.kafka, self.topic = kafka_access(kafka), topic
        self._make_producer, self._make_topics = make_producer, make_topics
        self._producer: KafkaProducer | None = None
        self._topics_ensured = False
        self._lock = threading.Lock()

    def publish(self, messages: Sequence[tuple[bytes, bytes]]) -> Delivery:
        """Send every (key, value) and wait for the broker's acknowledgements, at most the delivery timeout."""
        if not messages:
            return Delivery(())
        try:
            producer = self._current()
        except KafkaError as unreachable:
            return Delivery((UNPUBLISHED,) * len(messages), f"cannot reach Kafka: {unreachable}")
        futures: list = []
        error: str | None = None
        for key, value in messages:
            try:
                futures.append(producer.send(self.topic, key=key, value=value))
            except KafkaError as failure:  # no metadata or buffer space in time: the rest would wait as long
                error = f"cannot send to Kafka: {failure}"
                break
        deadline = time.monotonic() + DELIVERY_TIMEOUT_MS / 1000 + 5
        results = []
        for future in futures:
            try:
                future.get(timeout=max(0.0, deadline - time.monotonic()))
                results.append(ACKNOWLEDGED)
            except KafkaError as failure:
                results.append(UNPUBLISHED)
                error = error or f"Kafka did not acknowledge: {failure}"
        results += [UNPUBLISHED] * (len(messages) - len(results))
        if UNPUBLISHED in results:
            self._discard(producer)
        return Delivery(tuple(results), error)

    def connect(self) -> bool:
        """Make the producer (and the topics, when missing) now; False when Kafka cannot be reached."""
        try:
            self._current()
        except KafkaError:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=5)

    def _current(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                producer = self._make_producer(self.kafka)
                if not self._topics_ensured:  # the broker answered the producer, so this does not wait long
                    try:
                        self._make_topics(self.kafka)
                    except BaseException:
                        producer.close(timeout=0)
                        raise
                    self._topics_ensured = True
                self._producer = producer
            return self._producer

    def _discard(self, producer: KafkaProducer) -> None:
        with self._lock:
            if self._producer is producer:
                self._producer = None
        log.warning("Kafka failed a send; the next request makes a new producer")
        # Closing waits for the batches of other requests still in flight: they end within the
        # delivery timeout, acknowledged or failed, and their requests learn which.
        threading.Thread(
            target=_close_quietly, args=(producer,), name="ucj-gateway-close-producer", daemon=True
        ).start()


def _close_quietly(producer: KafkaProducer) -> None:
    try:
        producer.close(timeout=DELIVERY_TIMEOUT_MS / 1000 + 5)
    except KafkaError as error:
        log.warning("closing a failed Kafka producer: %s", error)
