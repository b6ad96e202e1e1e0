"""The notifier's delivery log: idempotent enqueue, due deliveries, attempts, counts, UTC times."""

from __future__ import annotations

import datetime
import threading

import pytest

from services.registry import Delivery, DeliveryAttempt, NewDelivery, Registry

UTC = datetime.timezone.utc
WIB_KALBAR = datetime.timezone(datetime.timedelta(hours=7))
NOW = datetime.datetime(2025, 3, 3, 9, 15, tzinfo=WIB_KALBAR)
NOW_UTC = datetime.datetime(2025, 3, 3, 2, 15, tzinfo=UTC)


def new(
    transition: str = "61.07/raised/1",
    channel: str = "email",
    recipient: str = "rina@bengkayang.go.id",
    coordinator_id: int | None = None,
) -> NewDelivery:
    return NewDelivery(
        transition_id=transition,
        alert_id="61.07/coverage",
        region_code="61.07",
        channel=channel,
        recipient=recipient,
        coordinator_id=coordinator_id,
        payload='{"status": "behind"}',
    )


def test_enqueue_is_idempotent(registry: Registry) -> None:
    rina = registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    items = [
        new(coordinator_id=rina.id),
        new(channel="webhook", recipient="https://b.id/h"),
        new(transition="61.07/updated/2"),
    ]

    assert registry.enqueue_deliveries(items, NOW) == 3
    assert registry.enqueue_deliveries(items, NOW + datetime.timedelta(minutes=1)) == 0
    assert registry.enqueue_deliveries(items + [new(recipient="budi@x.id")], NOW) == 1
    assert registry.enqueue_deliveries([new(), new()], NOW) == 0  # a duplicate within one call too
    assert registry.enqueue_deliveries([], NOW) == 0

    [first, *_] = registry.deliveries()
    assert first == Delivery(
        id=first.id,
        transition_id="61.07/raised/1",
        alert_id="61.07/coverage",
        region_code="61.07",
        channel="email",
        recipient="rina@bengkayang.go.id",
        coordinator_id=rina.id,
        payload='{"status": "behind"}',
        status="pending",
        attempts=0,
        next_attempt_at=NOW_UTC,
        last_error=None,
        created_at=NOW_UTC,
        delivered_at=None,
    )
    assert len(registry.deliveries()) == 4
    assert [d.recipient for d in registry.deliveries(transition_id="61.07/raised/1")] == [
        "rina@bengkayang.go.id",
        "https://b.id/h",
        "budi@x.id",
    ]


def test_times_come_back_aware_and_in_utc(registry: Registry) -> None:
    registry.enqueue_deliveries([new()], NOW)
    [delivery] = registry.deliveries()
    assert delivery.next_attempt_at == NOW
    assert delivery.next_attempt_at.tzinfo == UTC and delivery.created_at.utcoffset() == datetime.timedelta(0)


def test_naive_times_are_refused(registry: Registry) -> None:
    with pytest.raises(ValueError, match="now must be a timezone-aware datetime"):
        registry.enqueue_deliveries([new()], datetime.datetime(2025, 3, 3, 9, 15))
    with pytest.raises(ValueError, match="timezone-aware"):
        registry.due_deliveries(datetime.datetime(2025, 3, 3))


def test_unknown_channel_is_refused(registry: Registry) -> None:
    with pytest.raises(ValueError, match="channel must be one of email, webhook, alertmanager, got 'sms'"):
        registry.enqueue_deliveries([new(channel="sms")], NOW)
    assert registry.deliveries() == []


def test_due_deliveries_oldest_first_and_limited(registry: Registry) -> None:
    registry.enqueue_deliveries([new(transition="b")], NOW + datetime.timedelta(minutes=5))
    registry.enqueue_deliveries([new(transition="a")], NOW)
    registry.enqueue_deliveries([new(transition="c")], NOW + datetime.timedelta(minutes=10))

    assert registry.due_deliveries(NOW - datetime.timedelta(seconds=1)) == []
    assert [d.transition_id for d in registry.due_deliveries(NOW + datetime.timedelta(minutes=5))] == ["a", "b"]
    assert [d.transition_id for d in registry.due_deliveries(NOW + datetime.timedelta(hours=1), limit=2)] == ["a", "b"]
    # the same moment in another offset
    assert [d.transition_id for d in registry.due_deliveries(NOW_UTC)] == ["a"]


def test_a_failed_attempt_with_a_retry_time_stays_pending(registry: Registry) -> None:
    registry.enqueue_deliveries([new()], NOW)
    [delivery] = registry.due_deliveries(NOW)
    retry_at = NOW + datetime.timedelta(minutes=2)

    after = registry.record_attempt(
        delivery.id, at=NOW, delivered=False, error="SMTP 451", duration_ms=120, next_attempt_at=retry_at
    )

    assert (after.status, after.attempts, after.last_error, after.next_attempt_at) == (
        "pending",
        1,
        "SMTP 451",
        retry_at,
    )
    assert after.next_attempt_at.tzinfo == UTC
    assert registry.due_deliveries(NOW + datetime.timedelta(minutes=1)) == []
    assert registry.due_deliveries(retry_at) == [after]


def test_delivered_after_a_retry(registry: Registry) -> None:
    registry.enqueue_deliveries([new()], NOW)
    [delivery] = registry.deliveries()
    later = NOW + datetime.timedelta(minutes=2)
    registry.record_attempt(
        delivery.id, at=NOW, delivered=False, error="timeout", duration_ms=5000, next_attempt_at=later
    )

    done = registry.record_attempt(
        delivery.id, at=later, delivered=True, error=None, duration_ms=80, next_attempt_at=None
    )

    assert (done.status, done.attempts, done.delivered_at, done.last_error) == ("delivered", 2, later, None)
    assert registry.due_deliveries(later + datetime.timedelta(days=1)) == []
    attempts = registry.delivery_attempts(delivery.id)
    assert attempts == [
        DeliveryAttempt(attempts[0].id, delivery.id, NOW_UTC, "failed", "timeout", 5000),
        DeliveryAttempt(attempts[1].id, delivery.id, later, "delivered", None, 80),
    ]
    assert all(a.attempted_at.tzinfo == UTC for a in attempts)


def test_giving_up_marks_it_failed(registry: Registry) -> None:
    registry.enqueue_deliveries([new()], NOW)
    [delivery] = registry.deliveries()

    failed = registry.record_attempt(
        delivery.id, at=NOW, delivered=False, error="HTTP 410", duration_ms=30, next_attempt_at=None
    )

    assert (failed.status, failed.attempts, failed.last_error, failed.delivered_at) == ("failed", 1, "HTTP 410", None)
    assert registry.due_deliveries(NOW + datetime.timedelta(days=365)) == []
    assert registry.deliveries(status="failed") == [failed]
    assert registry.deliveries(status="pending") == []
    with pytest.raises(ValueError, match=f"delivery {delivery.id} is already failed"):
        registry.record_attempt(delivery.id, at=NOW, delivered=True, error=None, duration_ms=1, next_attempt_at=None)
    assert len(registry.delivery_attempts(delivery.id)) == 1


def test_unknown_delivery(registry: Registry) -> None:
    with pytest.raises(LookupError, match="no delivery with id 99"):
        registry.record_attempt(99, at=NOW, delivered=True, error=None, duration_ms=1, next_attempt_at=None)
    with pytest.raises(LookupError, match="no delivery with id 99"):
        registry.delivery_attempts(99)


def test_a_write_that_fails_records_nothing(registry: Registry) -> None:
    registry.enqueue_deliveries([new()], NOW)
    [delivery] = registry.deliveries()
    with pytest.raises(ValueError, match="next_attempt_at must be a timezone-aware"):
        registry.record_attempt(
            delivery.id,
            at=NOW,
            delivered=False,
            error="x",
            duration_ms=1,
            next_attempt_at=datetime.datetime(2025, 3, 4),
        )
    assert registry.deliveries() == [delivery]
    assert registry.delivery_attempts(delivery.id) == []


def test_counts_by_channel_and_status(registry: Registry) -> None:
    registry.enqueue_deliveries(
        [
            new(),
            new(recipient="b@x.id"),
            new(channel="webhook", recipient="https://b.id/h"),
            new(channel="alertmanager", recipient="http://am:9093/api/v2/alerts"),
        ],
        NOW,
    )
    first, second, *_ = registry.deliveries()
    registry.record_attempt(first.id, at=NOW, delivered=True, error=None, duration_ms=1, next_attempt_at=None)
    registry.record_attempt(second.id, at=NOW, delivered=False, error="x", duration_ms=1, next_attempt_at=None)

    assert registry.delivery_counts() == {
        ("email", "delivered"): 1,
        ("email", "failed"): 1,
        ("webhook", "pending"): 1,
        ("alertmanager", "pending"): 1,
    }


def test_removed_coordinator_keeps_its_deliveries(registry: Registry) -> None:
    rina = registry.add_coordinator("Rina", "61.07", email="rina@bengkayang.go.id")
    registry.enqueue_deliveries([new(coordinator_id=rina.id)], NOW)
    registry.remove_coordinator(rina.id)
    assert registry.deliveries()[0].coordinator_id == rina.id


def test_concurrent_enqueues_add_each_delivery_once(database_url: str, registry: Registry) -> None:
    items = [new(transition=f"t{n}") for n in range(30)]
    added: list[int] = []

    def enqueue() -> None:
        with Registry(database_url) as own:
            added.append(own.enqueue_deliveries(items, NOW))

    threads = [threading.Thread(target=enqueue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(added) == 30
    assert len(registry.deliveries()) == 30
