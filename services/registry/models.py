"""Tables of the registry: regions (with retired codes and their successors), eligible workforce
per year, plan points, coordinators, the notifier's delivery log, and the sources allowed to
publish events with their key hashes.

The schema changes only by Alembic migrations (services/registry/migrations/versions); a test
checks that these models and the migrations agree.
"""

from __future__ import annotations

import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from streams.domain.regions import LEVELS

# Named constraints, so that later Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

REGION_CODE = String(32)

WEBHOOK_FORMATS = ("json", "alertmanager")
LANGUAGES = ("id", "en")
CHANNELS = ("email", "webhook", "alertmanager")
DELIVERY_STATUSES = ("pending", "delivered", "failed")
ATTEMPT_OUTCOMES = ("delivered", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class UtcDateTime(TypeDecorator):
    """A moment in time: written as UTC, read back as an aware UTC datetime on every backend.

    SQLite keeps no offset, so naive values would silently mean local time; they are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a timezone-aware datetime is required, got {value.isoformat()}")
        utc = value.astimezone(datetime.timezone.utc)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime.datetime | None, dialect) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RegionRow(Base):
    __tablename__ = "regions"
    __table_args__ = (CheckConstraint(f"level IN ({', '.join(repr(level) for level in LEVELS)})", name="level"),)

    code: Mapped[str] = mapped_column(REGION_CODE, primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(REGION_CODE, ForeignKey("regions.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    # Set when a new edition of the codes left this one out (see editions.py); the row stays,
    # so events that carry the code stay valid.
    retired_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)


class RegionSuccessorRow(Base):
    """A retired or split region's code and one code it became, with the share of its workforce."""

    __tablename__ = "region_successors"
    __table_args__ = (CheckConstraint("share > 0 AND share <= 1", name="share_range"),)

    old_code: Mapped[str] = mapped_column(REGION_CODE, ForeignKey("regions.code"), primary_key=True)
    new_code: Mapped[str] = mapped_column(REGION_CODE, ForeignKey("regions.code"), primary_key=True)
    share: Mapped[float]


class WorkforceRow(Base):
    """Eligible workforce (the coverage denominator) of one region for one year."""

    __tablename__ = "workforce"
    __table_args__ = (CheckConstraint("eligible_workforce > 0", name="eligible_workforce_positive"),)

    region_code: Mapped[str] = mapped_column(REGION_CODE, ForeignKey("regions.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    eligible_workforce: Mapped[int] = mapped_column(Integer)


class PlanPointRow(Base):
    """One (date, ratio) point of a region's planned coverage trajectory."""

    __tablename__ = "plan_points"
    __table_args__ = (CheckConstraint("ratio >= 0 AND ratio <= 1", name="ratio_range"),)

    region_code: Mapped[str] = mapped_column(REGION_CODE, ForeignKey("regions.code"), primary_key=True)
    date: Mapped[datetime.date] = mapped_column(Date, primary_key=True)
    ratio: Mapped[float]


class CoordinatorRow(Base):
    """Someone who receives the alerts of one region: a regency, or the province (the operations list)."""

    __tablename__ = "coordinators"
    __table_args__ = (
        CheckConstraint(_one_of("webhook_format", WEBHOOK_FORMATS), name="webhook_format"),
        CheckConstraint(_one_of("language", LANGUAGES), name="language"),
        CheckConstraint("email IS NOT NULL OR webhook_url IS NOT NULL", name="has_channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(REGION_CODE, ForeignKey("regions.code"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_format: Mapped[str] = mapped_column(String(16), default="json")
    # The key the notifier signs webhooks with (X-UCJ-Signature). Kept as it is, since signing
    # needs it; never shown after `add` / `rotate-secret` print it. NULL: no webhook, or one
    # added before signing existed or by CSV import, which the notifier refuses to send to.
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)


class DeliveryRow(Base):
    """One alert transition to one recipient over one channel: the notifier's outbox and log."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("transition_id", "channel", "recipient"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transition_id: Mapped[str] = mapped_column(String(300))
    alert_id: Mapped[str] = mapped_column(String(300))
    region_code: Mapped[str] = mapped_column(REGION_CODE)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(500))
    coordinator_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("coordinators.id"))
    payload: Mapped[str] = mapped_column(Text)  # the alert as JSON, so the log is a self-contained outbox
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)


class DeliveryAttemptRow(Base):
    """One try to deliver: when, how it ended, how long it took."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (CheckConstraint(_one_of("outcome", ATTEMPT_OUTCOMES), name="outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(Integer, ForeignKey("deliveries.id"), index=True)
    attempted_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)


class SourceRow(Base):
    """A registration system allowed to publish events; only the hash of its key is kept."""

    __tablename__ = "sources"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # never reused: events carry it forever
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # SHA-256 hex of the key
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    key_issued_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    regions: Mapped[list[SourceRegionRow]] = relationship(
        order_by="SourceRegionRow.region_code", cascade="all, delete-orphan", lazy="selectin"
    )


class SourceRegionRow(Base):
    """One region a source may publish for, with everything below it."""

    __tablename__ = "source_regions"

    source_name: Mapped[str] = mapped_column(String(64), ForeignKey("sources.name"), primary_key=True)
    region_code: Mapped[str] = mapped_column(REGION_CODE, ForeignKey("regions.code"), primary_key=True)
