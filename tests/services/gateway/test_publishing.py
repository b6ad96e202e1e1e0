"""The Kafka adapter's bookkeeping, with a stand-in producer (the real broker: tests/integration/test_gateway.py)."""

from __future__ import annotations

import json

from kafka.errors import KafkaTimeoutError

from services.gateway.publishing import ACKNOWLEDGED, UNPUBLISHED, KafkaPublisher, message
from streams.broker.topics import PARTICIPANT_EVENTS
from streams.domain.events import to_wire
from streams.domain.validation import parse_event
from tests.services.gateway.conftest import NOW, TREE
from tests.streams.domain.factories import raw


class Future:
    def __init__(self, error: Exception | None):
        self.error = error

    def get(self, timeout):
        if self.error is not None:
            raise self.error


class Producer:
    """Answers each send by the value's first byte: a acknowledged, f failed later, s refused at once."""

    def __init__(self):
        self.sent, self.closed = [], False

    def send(self, topic, key, value):
        assert topic == PARTICIPANT_EVENTS
        self.sent.append((key, value))
        if value.startswith(b"s"):
            raise KafkaTimeoutError("no metadata")
        return Future(KafkaTimeoutError("expired") if value.startswith(b"f") else None)

    def close(self, timeout=None):
        self.closed = True


def publisher(producers: list) -> tuple[KafkaPublisher, list]:
    made, topics = [], []

    def make(bootstrap):
        producer = producers.pop(0)
        if isinstance(producer, Exception):
            raise producer
        made.append(producer)
        return producer

    return KafkaPublisher("broker:9092", make_producer=make, make_topics=topics.append), made


def test_every_acknowledged_message_counts():
    kafka, made = publisher([Producer()])
    delivery = kafka.publish([(b"k1", b"a1"), (b"k2", b"a2")])
    assert delivery.results == (ACKNOWLEDGED, ACKNOWLEDGED) and delivery.error is None
    assert made[0].sent == [(b"k1", b"a1"), (b"k2", b"a2")]


def test_a_failed_send_replaces_the_producer_for_the_next_request():
    kafka, made = publisher([Producer(), Producer()])
    delivery = kafka.publish([(b"k", b"a"), (b"k", b"f"), (b"k", b"a")])
    assert delivery.results == (ACKNOWLEDGED, UNPUBLISHED, ACKNOWLEDGED) and "expired" in delivery.error
    assert kafka.publish([(b"k", b"a")]).results == (ACKNOWLEDGED,)
    assert len(made) == 2


def test_a_send_refused_at_once_leaves_the_rest_unsent():
    kafka, made = publisher([Producer()])
    delivery = kafka.publish([(b"k", b"a"), (b"k", b"s"), (b"k", b"a"), (b"k", b"a")])
    assert delivery.results == (ACKNOWLEDGED, UNPUBLISHED, UNPUBLISHED, UNPUBLISHED)
    assert len(made[0].sent) == 2  # nothing waited for metadata after the first refusal


def test_an_unreachable_broker_publishes_nothing_and_is_tried_again_next_time():
    kafka, made = publisher([KafkaTimeoutError("Unable to bootstrap"), Producer()])
    assert not kafka.connect()
    delivery = kafka.publish([(b"k", b"a")])
    assert delivery.results == (ACKNOWLEDGED,)
    assert len(made) == 1


def test_an_unreachable_broker_answers_unpublished_with_the_reason():
    kafka, _ = publisher([KafkaTimeoutError("Unable to bootstrap")])
    delivery = kafka.publish([(b"k", b"a"), (b"k", b"a")])
    assert delivery.results == (UNPUBLISHED, UNPUBLISHED) and "cannot reach Kafka" in delivery.error


def test_the_message_is_keyed_by_participant_and_reads_back_as_the_same_event():
    event = parse_event(raw(occurred_at="2026-06-01T09:00:00+07:00", amount_idr=5), TREE, NOW)
    key, value = message(event)
    assert key == event.participant_id.encode()
    assert json.loads(value) == to_wire(event)
    assert parse_event(value, TREE, NOW) == event
