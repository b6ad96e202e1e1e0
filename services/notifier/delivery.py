"""The delivery loop: due deliveries from the log, sent, every attempt recorded.

A delivered row is never sent again (the log only hands out pending rows). A failed attempt
is retried with exponential backoff until the give-up age, then the row is marked failed.
Deliveries are sent by a small thread pool, so one slow or dead receiver delays only its own
rows. Run one delivery loop per delivery log: two would send the same due row twice.

Logs name a delivery by its id, transition, channel and coordinator; the recipient's address
(personal data, and a webhook URL may hold a token) appears at DEBUG only.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Callable

from services.notifier.backoff import RetryPolicy
from services.notifier.channels import DeliveryFailed, DeliveryRefused
from services.notifier.metrics import NotifierMetrics

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class DeliveryLoop:
    def __init__(
        self,
        registry,
        sender,
        policy: RetryPolicy,
        metrics: NotifierMetrics,
        *,
        threads: int = 4,
        poll_seconds: float = 1.0,
        batch: int = 100,
        clock: Callable[[], datetime] = utc_now,
    ):
        self.registry = registry
        self.sender = sender
        self.policy = policy
        self.metrics = metrics
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.clock = clock
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="deliver")
        self.in_flight: set[int] = set()
        # Rows finished while the due rows are being read: that read may still show them
        # pending, and handing them out again would send them twice.
        self.finished_during_read: set[int] = set()
        self.lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set: hand every due delivery not already in flight to the pool."""
        last_counts = 0.0
        while not stop.is_set():
            try:
                submitted = self.submit_due()
                if time.monotonic() - last_counts > 5:
                    self.metrics.set_pending(self.registry.delivery_counts())
                    last_counts = time.monotonic()
            except Exception:  # the database may be away for a moment; the log keeps everything
                log.exception("reading the delivery log failed; trying again in %.0f s", max(self.poll_seconds, 5))
                stop.wait(max(self.poll_seconds, 5))
                continue
            if not submitted:
                stop.wait(self.poll_seconds)
        self.pool.shutdown(wait=True)
        try:
            self.metrics.set_pending(self.registry.delivery_counts())
        except Exception:
            pass

    def submit_due(self) -> int:
        submitted = 0
        with self.lock:
            self.finished_during_read.clear()
        for delivery in self.registry.due_deliveries(self.clock(), limit=self.batch):
            with self.lock:
                if delivery.id in self.in_flight or delivery.id in self.finished_during_read:
                    continue
                self.in_flight.add(delivery.id)
            self.pool.submit(self._deliver_and_release, delivery)
            submitted += 1
        return submitted

    def deliver_due_now(self) -> int:
        """Send every due delivery in this thread, one by one (for tests and one-shot runs)."""
        due = self.registry.due_deliveries(self.clock(), limit=self.batch)
        for delivery in due:
            self.deliver(delivery)
        return len(due)

    def _deliver_and_release(self, delivery) -> None:
        try:
            self.deliver(delivery)
        except Exception:
            log.exception("delivery %s: unexpected error", delivery.id)
        finally:
            with self.lock:
                self.in_flight.discard(delivery.id)
                self.finished_during_read.add(delivery.id)

    def deliver(self, delivery) -> None:
        """One attempt: send, then record what happened in the log."""
        attempt = delivery.attempts + 1
        started = time.monotonic()
        error: str | None = None
        refused = False
        log.debug("delivery %s: sending to %s", delivery.id, delivery.recipient)
        try:
            self.sender.send(delivery)
        except DeliveryFailed as failure:
            error, refused = str(failure), isinstance(failure, DeliveryRefused)
        except Exception as failure:  # a bug in rendering must not stop the loop: it is a failed attempt
            log.exception("delivery %s: sending raised", delivery.id)
            error = f"{type(failure).__name__}: {failure}"
        duration_ms = int((time.monotonic() - started) * 1000)
        at = self.clock()
        what = describe(delivery)
        if error is None:
            # The in-doubt window: the receiver has the message; a crash before this line
            # leaves the row pending, and it is sent once more after a restart.
            self.registry.record_attempt(
                delivery.id, at=at, delivered=True, error=None, duration_ms=duration_ms, next_attempt_at=None
            )
            self.metrics.deliveries.labels(delivery.channel, "delivered").inc()
            self.metrics.last_delivery.set(at.timestamp())
            log.info("delivered %s (attempt %d, %d ms)", what, attempt, duration_ms)
            return
        created_at = (
            delivery.created_at if delivery.created_at.tzinfo else delivery.created_at.replace(tzinfo=timezone.utc)
        )
        next_at = self.policy.next_attempt(attempts=attempt, created_at=created_at, failed_at=at)
        self.registry.record_attempt(
            delivery.id, at=at, delivered=False, error=error, duration_ms=duration_ms, next_attempt_at=next_at
        )
        if next_at is None:
            self.metrics.deliveries.labels(delivery.channel, "gave_up").inc()
            log.error("gave up on %s after %d attempts: %s", what, attempt, error)
        else:
            self.metrics.deliveries.labels(delivery.channel, "failed").inc()
            level = logging.ERROR if refused else logging.WARNING  # refused: only the operator can fix it
            log.log(
                level,
                "attempt %d of %s failed: %s; next try at %s",
                attempt,
                what,
                error,
                next_at.isoformat(timespec="seconds"),
            )


def describe(delivery) -> str:
    """A delivery in a log line: never its recipient's address."""
    to = "" if delivery.coordinator_id is None else f" to coordinator {delivery.coordinator_id}"
    return f"delivery {delivery.id} ({delivery.transition_id} by {delivery.channel}{to})"
