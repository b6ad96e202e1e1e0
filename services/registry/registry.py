"""The region registry: regions, eligible workforce per year, coverage plans, coordinators and
sources in one database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import URL, Engine, create_engine, delete, event, func, insert, inspect, make_url, select, update
from sqlalchemy.orm import Session

from services.registry import schema
from services.registry.coordinator_store import CoordinatorStore
from services.registry.csv_files import LoadReport, Progress, read_plan_csv, read_workforce_csv
from services.registry.deliveries import DeliveryLog
from services.registry.edition_store import EditionStore
from services.registry.models import Base, PlanPointRow, RegionRow, RegionSuccessorRow, WorkforceRow
from services.registry.schema import SchemaUpgrade
from services.registry.seed import (
    DEFAULT_PROVINCIAL_PLAN,
    PROVINCE_CODE,
    SEED_WORKFORCE_YEARS,
    seed_regions,
    seed_workforce_estimates,
)
from services.registry.source_store import SourceStore
from services.registry.workforce_changes import WorkforceLoadReport, workforce_changes
from streams.domain.regions import LEVELS, Region, RegionTree

Plan = list[tuple[datetime.date, float]]


class RegistryNotInitialized(RuntimeError):
    """The database has no regions yet; `ucj registry init` creates and seeds it."""


@dataclass(frozen=True)
class InitReport:
    """What `init` added; all zero when the registry was already initialised."""

    regions_added: int
    workforce_added: int
    plan_points_added: int


class Registry(CoordinatorStore, DeliveryLog, SourceStore, EditionStore):
    """The registry database. Coordinator, delivery-log, source and region-edition methods come from the mixins."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.engine = _create_engine(database_url)
        self._schema_is_current = False

    @property
    def display_url(self) -> str:
        """The database URL without its password, for logs."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def init(self) -> InitReport:
        """Bring the schema to the newest revision and load the seed data; running it again changes nothing.

        Regions missing from the database are added. Workforce and plan seeds are only
        written into empty tables, so figures an operator loaded are never overwritten.
        """
        self.upgrade()
        with Session(self.engine) as session, session.begin():
            existing = set(session.scalars(select(RegionRow.code)))
            # Parents first, so that the parent foreign key holds row by row.
            new_regions = sorted(
                (r for r in seed_regions() if r.code not in existing), key=lambda r: LEVELS.index(r.level)
            )
            if new_regions:
                session.execute(
                    insert(RegionRow),
                    [dict(code=r.code, parent_code=r.parent, level=r.level, name=r.name) for r in new_regions],
                )
            workforce_rows = []
            if _is_empty(session, WorkforceRow):
                workforce_rows = [
                    dict(region_code=code, year=year, eligible_workforce=estimate)
                    for code, estimate in seed_workforce_estimates().items()
                    for year in SEED_WORKFORCE_YEARS
                ]
                session.execute(insert(WorkforceRow), workforce_rows)
            plan_rows = []
            if _is_empty(session, PlanPointRow):
                plan_rows = [dict(region_code=PROVINCE_CODE, date=d, ratio=r) for d, r in DEFAULT_PROVINCIAL_PLAN]
                session.execute(insert(PlanPointRow), plan_rows)
        return InitReport(len(new_regions), len(workforce_rows), len(plan_rows))

    def upgrade(self) -> SchemaUpgrade:
        """Apply the schema migrations the database lacks (a database from before migrations
        is recognised and marked as revision 0001 first). Loads no data."""
        return schema.upgrade(self.engine)

    def schema_revision(self) -> str | None:
        """The database's schema revision; None when it has none (new, or from before migrations)."""
        if not self._database_exists():
            return None
        return schema.current_revision(self.engine)

    def region_tree(self) -> RegionTree:
        """Every region, retired ones too: events that carry a retired code stay valid (see editions.py)."""
        with Session(self.engine) as session:
            self._require_regions(session)
            rows = session.execute(select(RegionRow.code, RegionRow.parent_code, RegionRow.level, RegionRow.name))
            return RegionTree.from_regions(Region(*row) for row in rows)

    def retired_regions(self) -> dict[str, tuple[str, ...]]:
        """Each retired code with the codes it became (see `load_regions_csv`)."""
        with Session(self.engine) as session:
            self._require_schema(session)
            retired = {
                code: () for code in session.scalars(select(RegionRow.code).where(RegionRow.retired_at.is_not(None)))
            }
            successors: dict[str, tuple[str, ...]] = {}
            for row in session.scalars(
                select(RegionSuccessorRow).order_by(RegionSuccessorRow.old_code, RegionSuccessorRow.new_code)
            ):
                successors[row.old_code] = successors.get(row.old_code, ()) + (row.new_code,)
            return {code: successors.get(code, ()) for code in sorted(retired)}

    def workforce_figures(self) -> dict[int, dict[str, int]]:
        """The stored figures as loaded: year -> region code -> eligible workforce."""
        with Session(self.engine) as session:
            self._require_regions(session)
            figures: dict[int, dict[str, int]] = {}
            for row in session.scalars(select(WorkforceRow).order_by(WorkforceRow.year, WorkforceRow.region_code)):
                figures.setdefault(row.year, {})[row.region_code] = row.eligible_workforce
            return figures

    def workforce(self, year: int) -> dict[str, int]:
        """Eligible workforce for `year` of every region that has a figure for any year.

        A region without a figure for `year` gets its figure of the latest earlier year
        (the last known denominator stays in force until a new one is loaded); with no
        earlier year, its earliest later year.
        """
        by_region: dict[str, dict[int, int]] = {}
        for figure_year, figures in self.workforce_figures().items():
            for code, workforce in figures.items():
                by_region.setdefault(code, {})[figure_year] = workforce
        return {code: figure_for_year(years, year) for code, years in by_region.items()}

    def plans(self) -> dict[str, Plan]:
        """Each region's own plan points, sorted by date (regions without a plan are absent)."""
        with Session(self.engine) as session:
            self._require_regions(session)
            plans: dict[str, Plan] = {}
            for row in session.scalars(select(PlanPointRow).order_by(PlanPointRow.region_code, PlanPointRow.date)):
                plans.setdefault(row.region_code, []).append((row.date, row.ratio))
            return plans

    def load_workforce_csv(
        self, path: str | Path, replace_year: bool = False, progress: Progress | None = None
    ) -> WorkforceLoadReport:
        """Load workforce figures in one transaction (raises CsvRejected on a bad row, loading nothing).

        By default the file merges into the stored figures: each (region, year) in it is added
        or updated, and every other figure stays. With `replace_year`, the figures of the
        file's years that the file leaves out are removed too.
        """
        with Session(self.engine) as session, session.begin():
            loaded = read_workforce_csv(path, self._require_regions(session), progress)
            years = {f.year for f in loaded.records}
            stored = {
                (row.region_code, row.year): row.eligible_workforce
                for row in session.scalars(select(WorkforceRow).where(WorkforceRow.year.in_(years)))
            }
            changes = workforce_changes(stored, loaded.records, replace_year)
            for code, year in changes.removed:
                session.execute(delete(WorkforceRow).where(WorkforceRow.region_code == code, WorkforceRow.year == year))
            for (code, year), value in changes.updated.items():
                session.execute(
                    update(WorkforceRow)
                    .where(WorkforceRow.region_code == code, WorkforceRow.year == year)
                    .values(eligible_workforce=value)
                )
            if changes.added:
                session.execute(
                    insert(WorkforceRow),
                    [
                        dict(region_code=code, year=year, eligible_workforce=value)
                        for (code, year), value in changes.added.items()
                    ],
                )
        return WorkforceLoadReport.of(changes, loaded.delimiter)

    def load_plan_csv(self, path: str | Path, progress: Progress | None = None) -> LoadReport:
        """Replace the whole plan of every region in the file (raises CsvRejected on a bad row)."""
        with Session(self.engine) as session, session.begin():
            loaded = read_plan_csv(path, self._require_regions(session), progress)
            points = loaded.records
            regions = sorted({p.region_code for p in points})
            deleted: Any = session.execute(delete(PlanPointRow).where(PlanPointRow.region_code.in_(regions)))
            replaced = deleted.rowcount  # a DML result (CursorResult) has one; the ORM types it as any Result
            session.execute(
                insert(PlanPointRow), [dict(region_code=p.region_code, date=p.date, ratio=p.ratio) for p in points]
            )
        return LoadReport(len(points), replaced, tuple(regions), loaded.delimiter)

    def _require_regions(self, session: Session) -> set[str]:
        """All region codes; raises RegistryNotInitialized rather than an SQL error on a new database."""
        if not self._database_exists():
            codes: set[str] = set()
        elif _has_schema(session):
            codes = set(session.scalars(select(RegionRow.code)))
        else:
            codes = set()
        if not codes:
            raise RegistryNotInitialized(f"no regions in {self.display_url}; run `ucj registry init` first")
        return codes

    def _require_schema(self, session: Session) -> None:
        """Raises RegistryNotInitialized, saying what to run, unless the database is initialised
        and at the newest schema revision (checked once per Registry)."""
        if self._schema_is_current:
            return
        self._require_regions(session)
        revision = MigrationContext.configure(session.connection()).get_current_revision()
        head = schema.head_revision()
        if revision != head:
            raise RegistryNotInitialized(
                f"{self.display_url} has schema revision {revision or 'from before migrations'}, "
                f"this version needs {head}; run `ucj registry upgrade`"
            )
        self._schema_is_current = True

    def _database_exists(self) -> bool:
        """False for a SQLite file that is not there yet; checked before connecting, which
        would leave an empty file behind."""
        sqlite_file = _sqlite_file(self.engine.url)
        return sqlite_file is None or sqlite_file.exists()


def figure_for_year(figures_by_year: dict[int, int], year: int) -> int:
    """The figure of `year`, else of the latest earlier year, else of the earliest later year."""
    if year in figures_by_year:
        return figures_by_year[year]
    earlier = [y for y in figures_by_year if y < year]
    return figures_by_year[max(earlier) if earlier else min(figures_by_year)]


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a plain SQLite file URL (not in-memory, not a `file:` URI)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return None if url.database.startswith("file:") else Path(url.database)


def _create_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    sqlite_file = _sqlite_file(url)
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if url.get_backend_name() == "sqlite":
        # SQLite ignores foreign keys unless asked on every connection.
        @event.listens_for(engine, "connect")
        def _enable_foreign_keys(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

    return engine


def _has_schema(session: Session) -> bool:
    return inspect(session.connection()).has_table(RegionRow.__tablename__)


def _is_empty(session: Session, model: type[Base]) -> bool:
    return session.scalar(select(func.count()).select_from(model)) == 0
