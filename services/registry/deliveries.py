"""The notifier's delivery log (mixed into Registry): one row per alert transition, recipient
and channel, with every attempt to deliver it.

It is also the notifier's outbox: each delivery carries the alert as JSON, so a delivery can
be retried from the log alone. Times are aware datetimes; they come back in UTC.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.registry.models import CHANNELS, DELIVERY_STATUSES, DeliveryAttemptRow, DeliveryRow


@dataclass(frozen=True)
class NewDelivery:
    transition_id: str
    alert_id: str
    region_code: str
    channel: str  # email, webhook or alertmanager
    recipient: str  # an email address or a URL
    coordinator_id: int | None
    payload: str  # the alert as JSON


@dataclass(frozen=True)
class Delivery:
    id: int
    transition_id: str
    alert_id: str
    region_code: str
    channel: str
    recipient: str
    coordinator_id: int | None
    payload: str
    status: str  # pending, delivered or failed (given up)
    attempts: int
    next_attempt_at: datetime.datetime
    last_error: str | None
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None


@dataclass(frozen=True)
class DeliveryAttempt:
    id: int
    delivery_id: int
    attempted_at: datetime.datetime
    outcome: str  # delivered or failed
    error: str | None
    duration_ms: int


_INSERT: dict[str, Any] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}  # each dialect's own Insert has on_conflict_do_nothing
_UNIQUE_KEY = ("transition_id", "channel", "recipient")


class DeliveryLog:
    engine: Engine

    def _require_schema(self, session: Session) -> None:  # provided by Registry
        raise NotImplementedError

    def enqueue_deliveries(self, items: list[NewDelivery], now: datetime.datetime) -> int:
        """Add the deliveries not logged yet (same transition, channel and recipient), as pending
        and due `now`, in one transaction; returns how many were new. Calling it again with the
        same items adds nothing, also when two notifiers do it at once."""
        _require_aware(now, "now")
        for item in items:
            if item.channel not in CHANNELS:
                raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, got {item.channel!r}")
        unique = {(i.transition_id, i.channel, i.recipient): i for i in reversed(items)}  # first one wins
        rows = [
            dict(
                transition_id=i.transition_id,
                alert_id=i.alert_id,
                region_code=i.region_code,
                channel=i.channel,
                recipient=i.recipient,
                coordinator_id=i.coordinator_id,
                payload=i.payload,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                last_error=None,
                created_at=now,
                delivered_at=None,
            )
            for i in reversed(unique.values())
        ]
        if not rows:
            return 0
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            insert = _INSERT[self.engine.dialect.name]
            # ON CONFLICT DO NOTHING: a row another transaction inserted first is skipped, not an error.
            # RETURNING yields a row only for an inserted delivery (rowcount is not reliable here).
            table = DeliveryRow.__table__
            statement = insert(table).on_conflict_do_nothing(index_elements=_UNIQUE_KEY).returning(table.c.id)
            connection = session.connection()
            return sum(connection.execute(statement.values(**row)).first() is not None for row in rows)

    def due_deliveries(self, now: datetime.datetime, limit: int = 100) -> list[Delivery]:
        """Pending deliveries due at `now`, the longest waiting first."""
        _require_aware(now, "now")
        with Session(self.engine) as session:
            self._require_schema(session)
            query = (
                select(DeliveryRow)
                .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now)
                .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
                .limit(limit)
            )
            return [_delivery(row) for row in session.scalars(query)]

    def record_attempt(
        self,
        delivery_id: int,
        *,
        at: datetime.datetime,
        delivered: bool,
        error: str | None,
        duration_ms: int,
        next_attempt_at: datetime.datetime | None,
    ) -> Delivery:
        """Log one attempt, in one transaction. Delivered: the delivery is done. Not delivered:
        it is tried again at `next_attempt_at`, or given up (status failed) when that is None.

        Raises LookupError for an unknown delivery, ValueError for one that is no longer pending.
        """
        _require_aware(at, "at")
        if next_attempt_at is not None:
            _require_aware(next_attempt_at, "next_attempt_at")
        if duration_ms < 0:
            raise ValueError(f"duration_ms must be 0 or more, got {duration_ms}")
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            row = session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None:
                raise LookupError(f"no delivery with id {delivery_id}")
            if row.status != "pending":
                raise ValueError(f"delivery {delivery_id} is already {row.status}; only pending ones are attempted")
            session.add(
                DeliveryAttemptRow(
                    delivery_id=delivery_id,
                    attempted_at=at,
                    outcome="delivered" if delivered else "failed",
                    error=error,
                    duration_ms=duration_ms,
                )
            )
            row.attempts += 1
            row.last_error = error
            if delivered:
                row.status, row.delivered_at = "delivered", at
            elif next_attempt_at is not None:
                row.next_attempt_at = next_attempt_at
            else:
                row.status = "failed"
            session.flush()
            session.refresh(row)  # times as stored: in UTC
            return _delivery(row)

    def deliveries(self, transition_id: str | None = None, status: str | None = None) -> list[Delivery]:
        """Logged deliveries in the order they were enqueued, optionally of one transition or status."""
        if status is not None and status not in DELIVERY_STATUSES:
            raise ValueError(f"status must be one of {', '.join(DELIVERY_STATUSES)}, got {status!r}")
        with Session(self.engine) as session:
            self._require_schema(session)
            query = select(DeliveryRow).order_by(DeliveryRow.id)
            if transition_id is not None:
                query = query.where(DeliveryRow.transition_id == transition_id)
            if status is not None:
                query = query.where(DeliveryRow.status == status)
            return [_delivery(row) for row in session.scalars(query)]

    def delivery_attempts(self, delivery_id: int) -> list[DeliveryAttempt]:
        """Every attempt of one delivery, oldest first; raises LookupError for an unknown delivery."""
        with Session(self.engine) as session:
            self._require_schema(session)
            if session.get(DeliveryRow, delivery_id) is None:
                raise LookupError(f"no delivery with id {delivery_id}")
            query = (
                select(DeliveryAttemptRow)
                .where(DeliveryAttemptRow.delivery_id == delivery_id)
                .order_by(DeliveryAttemptRow.attempted_at, DeliveryAttemptRow.id)
            )
            return [
                DeliveryAttempt(r.id, r.delivery_id, r.attempted_at, r.outcome, r.error, r.duration_ms)
                for r in session.scalars(query)
            ]

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        """(channel, status) -> number of deliveries; combinations with none are absent."""
        with Session(self.engine) as session:
            self._require_schema(session)
            query = select(DeliveryRow.channel, DeliveryRow.status, func.count()).group_by(
                DeliveryRow.channel, DeliveryRow.status
            )
            return {(channel, status): count for channel, status, count in session.execute(query)}


def _require_aware(moment: datetime.datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment.isoformat()}")


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        transition_id=row.transition_id,
        alert_id=row.alert_id,
        region_code=row.region_code,
        channel=row.channel,
        recipient=row.recipient,
        coordinator_id=row.coordinator_id,
        payload=row.payload,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )
