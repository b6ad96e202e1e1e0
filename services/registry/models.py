"""Tables of the region registry: regions, eligible workforce per year, plan points."""
from __future__ import annotations

import datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from streams.domain.regions import LEVELS

# Named constraints, so that later Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

REGION_CODE = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RegionRow(Base):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint(f"level IN ({', '.join(repr(level) for level in LEVELS)})", name="level"),
    )

    code: Mapped[str] = mapped_column(REGION_CODE, primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(REGION_CODE, ForeignKey("regions.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))


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
