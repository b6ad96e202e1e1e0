"""Registry methods for sources and their keys (mixed into Registry).

Only the SHA-256 of a key is stored; the key itself is returned once, by add and rotate.
Every change is logged with the source's name, never with key material.
"""

from __future__ import annotations

import datetime
import logging

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.registry.models import RegionRow, SourceRegionRow, SourceRow
from services.registry.sources import Source, key_hash, new_key, source_name_problem
from streams.domain.nik import mask_niks

log = logging.getLogger(__name__)


class SourceStore:
    engine: Engine

    def _require_schema(self, session: Session) -> None:  # provided by Registry
        raise NotImplementedError

    def add_source(self, name: str, regions: list[str]) -> tuple[Source, str]:
        """A new source allowed to publish for `regions` (each with everything below it), and
        its key. Raises ValueError, in one sentence, for a bad name, no or unknown regions, or
        a name already in use: names are never reused, not even after a revoke."""
        name = name.strip()
        codes = sorted({code.strip() for code in regions})
        key = new_key()
        try:
            with Session(self.engine) as session, session.begin():
                self._require_schema(session)
                problems = _name_problems(session, name) + _region_problems(session, codes)
                if problems:
                    raise ValueError("; ".join(problems))
                now = _now()
                row = SourceRow(
                    name=name,
                    key_hash=key_hash(key),
                    created_at=now,
                    key_issued_at=now,
                    revoked_at=None,
                    regions=[SourceRegionRow(region_code=code) for code in codes],
                )
                session.add(row)
                session.flush()
                added = _source(row)
        except IntegrityError:  # the same name added at the same moment by someone else
            raise ValueError(f"the source name {name!r} is already in use") from None
        log.info("added source %s, allowed to publish for %s", added.name, ", ".join(added.regions))
        return added, key

    def rotate_source(self, name: str) -> tuple[Source, str]:
        """A new key for an active source; the old key stops working at once. Raises
        ValueError for an unknown or revoked source."""
        key = new_key()
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            row = _existing(session, name)
            if row.revoked_at is not None:
                raise ValueError(
                    f"source {name!r} was revoked on {_day(row.revoked_at)}; a revoked source gets no new key"
                )
            row.key_hash = key_hash(key)
            row.key_issued_at = _now()
            rotated = _source(row)
        log.info("rotated the key of source %s; the previous key no longer works", rotated.name)
        return rotated, key

    def revoke_source(self, name: str) -> Source:
        """Stop a source's key working, at once and for good. Raises ValueError for an unknown
        or already revoked source. The source stays listed, and its name stays taken."""
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            row = _existing(session, name)
            if row.revoked_at is not None:
                raise ValueError(f"source {name!r} is already revoked (since {_day(row.revoked_at)})")
            row.revoked_at = _now()
            revoked = _source(row)
        log.info("revoked source %s; its key no longer works", revoked.name)
        return revoked

    def sources(self) -> list[Source]:
        """Every source, active and revoked, by name."""
        with Session(self.engine) as session:
            self._require_schema(session)
            return [_source(row) for row in session.scalars(select(SourceRow).order_by(SourceRow.name))]

    def source_for_key(self, key: str) -> Source | None:
        """The active source whose key this is; None for an unknown, rotated or revoked key.

        Looked up by the unique index on the hash: the database compares hashes, never keys,
        so how long a lookup takes tells nothing about a valid key.
        """
        with Session(self.engine) as session:
            self._require_schema(session)
            query = select(SourceRow).where(SourceRow.key_hash == key_hash(key), SourceRow.revoked_at.is_(None))
            row = session.scalars(query).first()
            return None if row is None else _source(row)


def _name_problems(session: Session, name: str) -> list[str]:
    problem = source_name_problem(name)
    if problem is not None:
        return [problem]
    # Names differing only in case would read as one source on every dashboard.
    taken = session.scalars(select(SourceRow).where(func.lower(SourceRow.name) == name.lower())).first()
    if taken is None:
        return []
    status = f"revoked on {_day(taken.revoked_at)}" if taken.revoked_at else "active"
    same = "" if taken.name == name else f" as {taken.name!r}"
    return [
        f"the source name {name!r} is already in use{same} ({status}); names are never reused, "
        "because the events of a source carry its name forever"
    ]


def _region_problems(session: Session, codes: list[str]) -> list[str]:
    if not codes:
        return ["give at least one region the source may publish for"]
    known = set(session.scalars(select(RegionRow.code).where(RegionRow.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        return [f"unknown region{'s' if len(unknown) > 1 else ''} {', '.join(repr(code) for code in unknown)}"]
    return []


def _existing(session: Session, name: str) -> SourceRow:
    row = session.get(SourceRow, name)
    if row is None:
        raise ValueError(f"no source named {mask_niks(name)!r}")
    return row


def _source(row: SourceRow) -> Source:
    return Source(
        name=row.name,
        regions=tuple(region.region_code for region in row.regions),
        created_at=row.created_at,
        key_issued_at=row.key_issued_at,
        revoked_at=row.revoked_at,
    )


def _day(moment: datetime.datetime) -> str:
    return moment.date().isoformat()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
