"""Registry methods for coordinators (mixed into Registry)."""

from __future__ import annotations

import datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from services.registry.coordinators import (
    COORDINATOR_FIELDS,
    Coordinator,
    CoordinatorEntry,
    coordinator_problems,
    new_webhook_secret,
)
from services.registry.csv_files import LoadReport, read_coordinators_csv
from services.registry.models import CoordinatorRow, RegionRow


class CoordinatorStore:
    engine: Engine

    def _require_schema(self, session: Session) -> None:  # provided by Registry
        raise NotImplementedError

    def add_coordinator(
        self,
        name: str,
        region_code: str,
        *,
        email: str | None = None,
        webhook_url: str | None = None,
        webhook_format: str = "json",
        language: str = "id",
    ) -> Coordinator:
        """Add an active coordinator; raises ValueError saying what is wrong with the input.

        A coordinator with a webhook gets a new webhook secret (`webhook_secret` reads it).
        An active coordinator with the same name and region already existing is an error
        (change one with `load_coordinators_csv`, or remove it first).
        """
        entry = CoordinatorEntry(
            name=name.strip(),
            region_code=region_code.strip(),
            email=(email or "").strip() or None,
            webhook_url=(webhook_url or "").strip() or None,
            webhook_format=webhook_format,
            language=language,
            active=True,
        )
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            problems = coordinator_problems(entry, _region_levels(session))
            same = _find(session, entry.name, entry.region_code)
            if same is not None and same.active:
                problems.append(f"{entry.name} is already a coordinator of {entry.region_code} (id {same.id})")
            if problems:
                raise ValueError("; ".join(problems))
            row = CoordinatorRow(webhook_secret=new_webhook_secret() if entry.webhook_url else None, created_at=_now())
            _apply(row, entry)
            session.add(row)
            session.flush()
            return _coordinator(row)

    def coordinators(self, include_inactive: bool = False) -> list[Coordinator]:
        """Coordinators by region, then name; removed ones only with include_inactive."""
        with Session(self.engine) as session:
            self._require_schema(session)
            query = select(CoordinatorRow).order_by(CoordinatorRow.region_code, CoordinatorRow.name, CoordinatorRow.id)
            if not include_inactive:
                query = query.where(CoordinatorRow.active)
            return [_coordinator(row) for row in session.scalars(query)]

    def active_coordinators(self, region_code: str) -> list[Coordinator]:
        """The active coordinators of exactly this region (`61`: the operations list)."""
        with Session(self.engine) as session:
            self._require_schema(session)
            query = (
                select(CoordinatorRow)
                .where(CoordinatorRow.region_code == region_code, CoordinatorRow.active)
                .order_by(CoordinatorRow.id)
            )
            return [_coordinator(row) for row in session.scalars(query)]

    def remove_coordinator(self, coordinator_id: int) -> Coordinator:
        """Stop sending to a coordinator. The row stays (inactive), so the delivery log keeps
        pointing at it. Raises LookupError for an unknown id."""
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            row = _existing(session, coordinator_id)
            row.active = False
            return _coordinator(row)

    def rotate_webhook_secret(self, coordinator_id: int) -> tuple[Coordinator, str]:
        """A new webhook secret for an active coordinator with a webhook, and the coordinator;
        the previous secret signs nothing from now on. Raises LookupError for an unknown id,
        ValueError for a removed coordinator or one without a webhook."""
        secret = new_webhook_secret()
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            row = _existing(session, coordinator_id)
            if not row.active:
                raise ValueError(f"coordinator {coordinator_id} is removed; a removed coordinator receives nothing")
            if not row.webhook_url:
                raise ValueError(f"coordinator {coordinator_id} has no webhook, so there is nothing to sign")
            row.webhook_secret = secret
            return _coordinator(row), secret

    def webhook_secret(self, coordinator_id: int) -> str | None:
        """The secret the notifier signs this coordinator's webhooks with; None when it has
        none yet. Raises LookupError for an unknown id."""
        with Session(self.engine) as session:
            self._require_schema(session)
            return _existing(session, coordinator_id).webhook_secret

    def load_coordinators_csv(self, path: str | Path, allow_http_webhook: bool = True) -> LoadReport:
        """Add or update coordinators from CSV (raises CsvRejected on a bad row, loading nothing).

        A row updates the coordinator with the same name and region (the active one, else the
        newest), and adds one otherwise. Coordinators not in the file are left alone: the
        import never removes anyone (`active` set to false in a row does). It makes no webhook
        secrets, since it could not show them: a new webhook needs `rotate_webhook_secret`.
        """
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            loaded = read_coordinators_csv(path, _region_levels(session), allow_http_webhook)
            entries = loaded.records
            updated = 0
            for entry in entries:
                row = _find(session, entry.name, entry.region_code)
                if row is None:
                    row = CoordinatorRow(created_at=_now())
                    session.add(row)
                else:
                    updated += 1
                _apply(row, entry)
        return LoadReport(len(entries), updated, tuple(sorted({e.region_code for e in entries})), loaded.delimiter)


def _region_levels(session: Session) -> dict[str, str]:
    return dict(session.execute(select(RegionRow.code, RegionRow.level)).all())


def _find(session: Session, name: str, region_code: str) -> CoordinatorRow | None:
    """The active coordinator with this name and region, else the newest removed one."""
    query = (
        select(CoordinatorRow)
        .where(CoordinatorRow.name == name, CoordinatorRow.region_code == region_code)
        .order_by(CoordinatorRow.active.desc(), CoordinatorRow.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _existing(session: Session, coordinator_id: int) -> CoordinatorRow:
    row = session.get(CoordinatorRow, coordinator_id)
    if row is None:
        raise LookupError(f"no coordinator with id {coordinator_id}")
    return row


def _apply(row: CoordinatorRow, entry: CoordinatorEntry) -> None:
    """Write every field of the entry to the row (an updated row keeps its id, secret and creation time)."""
    for field in COORDINATOR_FIELDS:
        setattr(row, field.name, getattr(entry, field.name))


def _coordinator(row: CoordinatorRow) -> Coordinator:
    fields = {field.name: getattr(row, field.name) for field in COORDINATOR_FIELDS}
    return Coordinator(id=row.id, **fields, has_webhook_secret=row.webhook_secret is not None)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
