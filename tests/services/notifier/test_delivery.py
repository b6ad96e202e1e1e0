"""The delivery loop against a real registry (SQLite), with a recording stand-in for the channels."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from services.notifier import payloads
from services.notifier.backoff import RetryPolicy
from services.notifier.channels import DeliveryFailed
from services.notifier.delivery import DeliveryLoop
from services.notifier.metrics import NotifierMetrics
from services.notifier.routing import Route
from services.registry import NewDelivery
from tests.integration.waiting import wait_until
from tests.services.notifier.samples import alert

T0 = datetime(2026, 6, 30, 1, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


class Channels:
    """Accepts or refuses per recipient; records what it accepted."""

    def __init__(self):
        self.down: set[str] = set()
        self.accepted: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def send(self, delivery) -> None:
        if delivery.recipient in self.down:
            raise DeliveryFailed("HTTP 503 Service Unavailable")
        with self.lock:
            self.accepted.append((delivery.transition_id, delivery.recipient))


class GatedChannels(Channels):
    """Holds every send until `open` is set."""

    def __init__(self):
        super().__init__()
        self.open = threading.Event()

    def send(self, delivery) -> None:
        self.open.wait(60)
        super().send(delivery)


def enqueue(registry, recipients, transition=None, now=T0):
    transition = transition or alert()
    items = [
        NewDelivery(
            transition.transition_id,
            transition.alert_id,
            transition.region_code,
            channel,
            recipient,
            None,
            payloads.encode(transition, Route(channel, recipient, None, "id", "json")),
        )
        for channel, recipient in recipients
    ]
    return registry.enqueue_deliveries(items, now)


def make_loop(registry, channels, clock, **policy):
    metrics = NotifierMetrics()
    policy = RetryPolicy(**{"initial_seconds": 5, "max_seconds": 60, "give_up_seconds": 3600, "jitter": 0, **policy})
    return DeliveryLoop(registry, channels, policy, metrics, clock=clock, poll_seconds=0.05), metrics


def sample(metrics, name, **labels):
    return metrics.registry.get_sample_value(name, labels) or 0


def test_delivered_once_and_never_again(registry):
    clock, channels = Clock(), Channels()
    loop, metrics = make_loop(registry, channels, clock)
    enqueue(registry, [("email", "a@x.go.id"), ("webhook", "http://hook/a")])
    assert loop.deliver_due_now() == 2
    assert loop.deliver_due_now() == 0
    clock.now += timedelta(days=2)
    assert loop.deliver_due_now() == 0
    assert sorted(channels.accepted) == [
        ("coverage_status:61.07:1:1", "a@x.go.id"),
        ("coverage_status:61.07:1:1", "http://hook/a"),
    ]
    assert {d.status for d in registry.deliveries()} == {"delivered"}
    assert sample(metrics, "ucj_notifier_deliveries_total", channel="email", outcome="delivered") == 1
    assert sample(metrics, "ucj_notifier_last_delivery_timestamp_seconds") > 0


def test_failures_are_retried_with_backoff_and_recorded(registry):
    clock, channels = Clock(), Channels()
    loop, metrics = make_loop(registry, channels, clock)
    enqueue(registry, [("webhook", "http://down/hook"), ("email", "b@x.go.id")])
    channels.down.add("http://down/hook")
    loop.deliver_due_now()
    # the other recipient is not held up by the failing one
    assert channels.accepted == [("coverage_status:61.07:1:1", "b@x.go.id")]
    [pending] = registry.deliveries(status="pending")
    assert pending.attempts == 1 and pending.last_error == "HTTP 503 Service Unavailable"
    assert pending.next_attempt_at == T0 + timedelta(seconds=5)
    assert loop.deliver_due_now() == 0  # not due yet
    clock.now += timedelta(seconds=5)
    loop.deliver_due_now()
    [pending] = registry.deliveries(status="pending")
    assert pending.attempts == 2 and pending.next_attempt_at == clock.now + timedelta(seconds=10)
    channels.down.clear()
    clock.now += timedelta(seconds=10)
    loop.deliver_due_now()
    assert {d.status for d in registry.deliveries()} == {"delivered"}
    attempts = registry.delivery_attempts(pending.id)
    assert [a.outcome for a in attempts] == ["failed", "failed", "delivered"]
    assert channels.accepted.count(("coverage_status:61.07:1:1", "http://down/hook")) == 1
    assert sample(metrics, "ucj_notifier_deliveries_total", channel="webhook", outcome="failed") == 2
    assert sample(metrics, "ucj_notifier_deliveries_total", channel="webhook", outcome="delivered") == 1


def test_gives_up_at_the_give_up_age(registry):
    clock, channels = Clock(), Channels()
    loop, metrics = make_loop(registry, channels, clock, give_up_seconds=30)
    enqueue(registry, [("webhook", "http://down/hook")])
    channels.down.add("http://down/hook")
    for _ in range(20):
        loop.deliver_due_now()
        clock.now += timedelta(seconds=60)
    [failed] = registry.deliveries()
    assert failed.status == "failed"
    assert [a.outcome for a in registry.delivery_attempts(failed.id)] == ["failed"] * failed.attempts
    assert sample(metrics, "ucj_notifier_deliveries_total", channel="webhook", outcome="gave_up") == 1
    channels.down.clear()
    assert loop.deliver_due_now() == 0 and channels.accepted == []


def test_a_broken_payload_is_a_failed_attempt_not_a_crash(registry):
    clock = Clock()
    from services.notifier.sending import Sender, SendSettings

    loop, _ = make_loop(registry, Sender(SendSettings(), registry.webhook_secret), clock)
    registry.enqueue_deliveries(
        [NewDelivery("t:1", "t", "61.07", "webhook", "http://127.0.0.1:9/x", None, "{not json")], T0
    )
    loop.deliver_due_now()
    [pending] = registry.deliveries()
    assert pending.status == "pending" and "unreadable payload" in pending.last_error


def test_the_threaded_loop_delivers_and_stops(registry):
    channels = Channels()
    loop, metrics = make_loop(registry, channels, lambda: datetime.now(timezone.utc))
    enqueue(registry, [("email", f"c{i}@x.go.id") for i in range(10)], now=datetime.now(timezone.utc))
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,))
    thread.start()
    wait_until(lambda: len(registry.deliveries(status="delivered")) == 10, "the ten deliveries recorded")
    stop.set()
    thread.join(60)  # the loop ends once the deliveries in flight are done: nothing can be sent after this
    assert not thread.is_alive()
    assert sorted(r for _, r in channels.accepted) == sorted(f"c{i}@x.go.id" for i in range(10))
    assert sample(metrics, "ucj_notifier_pending_deliveries", channel="email") == 0


def test_a_row_delivered_while_the_due_rows_are_read_is_not_sent_again(registry):
    """The interleaving a busy machine makes likely, made certain: the due rows are read while a
    row is being sent, and that send is done (logged, released) before the rows are handed out.
    The read still shows the row pending; handing it out again would send it twice."""
    now = datetime.now(timezone.utc)
    channels = GatedChannels()
    policy = RetryPolicy(initial_seconds=5, max_seconds=60, give_up_seconds=3600, jitter=0)
    loop = DeliveryLoop(registry, channels, policy, NotifierMetrics(), threads=1, clock=lambda: now)
    enqueue(registry, [("email", "a@x.go.id")], now=now)
    assert loop.submit_due() == 1  # being sent, held at the gate
    read = registry.due_deliveries

    def read_while_sending(at, limit):
        rows = read(at, limit)  # the row is still pending
        channels.open.set()
        loop.pool.submit(lambda: None).result()  # one thread: the send before this is done
        return rows

    registry.due_deliveries = read_while_sending
    loop.submit_due()
    loop.pool.shutdown(wait=True)
    assert channels.accepted == [("coverage_status:61.07:1:1", "a@x.go.id")]


def test_logs_above_debug_never_name_the_recipient(registry, caplog):
    caplog.set_level(logging.DEBUG, logger="services.notifier")
    clock, channels = Clock(), Channels()
    loop, _ = make_loop(registry, channels, clock, give_up_seconds=5)
    enqueue(registry, [("email", "rina@bengkayang.go.id"), ("email", "budi@bengkayang.go.id")])
    channels.down.add("budi@bengkayang.go.id")
    loop.deliver_due_now()
    clock.now += timedelta(seconds=5)
    loop.deliver_due_now()  # budi's delivery is given up
    above_debug = [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG]
    assert len(above_debug) == 3  # delivered, failed, gave up
    assert above_debug[0].startswith("delivered delivery 1 (coverage_status:61.07:1:1 by email) (attempt 1")
    assert not [m for m in above_debug if "bengkayang.go.id" in m]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG][
        0
    ] == "delivery 1: sending to rina@bengkayang.go.id"


def test_a_webhook_without_a_secret_waits_for_rotate_secret_and_then_goes_out(registry, server, tmp_path, caplog):
    from services.notifier.sending import Sender, SendSettings
    from services.notifier.signature import verify

    url, seen = server
    imports = tmp_path / "coordinators.csv"  # an import makes no secret, as migration 0004 leaves the old webhooks
    imports.write_text(f"name,region_code,email,webhook_url\nOps,61.07,,{url}/ok\n", encoding="utf-8")
    registry.load_coordinators_csv(imports)
    [ops] = registry.coordinators()
    clock = Clock()
    loop, _ = make_loop(registry, Sender(SendSettings(), registry.webhook_secret), clock)
    transition = alert()
    registry.enqueue_deliveries(
        [
            NewDelivery(
                transition.transition_id,
                transition.alert_id,
                "61.07",
                "webhook",
                f"{url}/ok",
                ops.id,
                payloads.encode(transition, Route("webhook", f"{url}/ok", ops.id, "id", "json")),
            )
        ],
        T0,
    )

    loop.deliver_due_now()
    [pending] = registry.deliveries(status="pending")
    assert seen == [] and "rotate-secret" in pending.last_error
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert (
        f"run `ucj coordinators rotate-secret {ops.id}` and give the receiver the secret it prints"
        in error.getMessage()
    )

    _, secret = registry.rotate_webhook_secret(ops.id)
    clock.now += timedelta(seconds=5)
    loop.deliver_due_now()
    assert [d.status for d in registry.deliveries()] == ["delivered"]
    [(_, headers, raw)] = seen
    verify(secret, raw, headers["X-UCJ-Signature"], now=datetime.now(timezone.utc).timestamp())
    assert secret not in caplog.text
