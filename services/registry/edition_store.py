"""Registry method for loading a new edition of the region codes (mixed into Registry).

Everything happens in one transaction: a bad edition or mapping loads nothing. See
editions.py for what "a region keeps its history" means here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from services.registry.coordinators import COORDINATOR_FIELDS, COORDINATOR_LEVELS
from services.registry.csv_files import CsvFile, CsvRejected, Progress
from services.registry.editions import carried_plans, carried_workforce, mapping_problems, plan_edition, unmapped_codes
from services.registry.models import (
    CoordinatorRow,
    PlanPointRow,
    RegionRow,
    RegionSuccessorRow,
    SourceRegionRow,
    WorkforceRow,
)
from services.registry.region_files import read_mapping_csv, read_regions_csv
from streams.domain.regions import Region

_SHOWN = 5  # codes named in a one-sentence error before "and N more"


@dataclass(frozen=True)
class EditionReport:
    added: int
    changed: int
    unchanged: int
    retired: int
    workforce_figures_carried: int
    plans_carried: int
    coordinators_repointed: int
    coordinators_copied: int
    source_regions_repointed: int
    delimiter: str = ","


class EditionStore:
    engine: Engine

    def _require_schema(self, session: Session) -> None:  # provided by Registry
        raise NotImplementedError

    def load_regions_csv(
        self, path: str | Path, mapping_path: str | Path | None = None, progress: Progress | None = None
    ) -> EditionReport:
        """Load a new edition of the region codes (`code,parent,level,name`); codes that leave it
        need `old_code,new_code[,share]` rows in the mapping file. Raises CsvRejected, loading nothing."""
        edition = read_regions_csv(path, progress)
        mapping = read_mapping_csv(mapping_path) if mapping_path is not None else CsvFile([], ",")
        with Session(self.engine) as session, session.begin():
            self._require_schema(session)
            rows = {row.code: row for row in session.scalars(select(RegionRow))}
            stored = {code: Region(r.code, r.parent_code, r.level, r.name) for code, r in rows.items()}
            retired = {code for code, r in rows.items() if r.retired_at is not None}
            current, codes = stored.keys() - retired, {r.code for r in edition.records}
            problems = mapping_problems(current, retired, codes, mapping)
            if problems:
                raise CsvRejected(mapping_path or path, problems)
            missing = unmapped_codes(current, codes, mapping)
            if missing:
                raise CsvRejected(path, [(1, _missing_sentence(missing))])
            changes = plan_edition(stored, retired, edition.records, mapping)
            if changes.added:
                session.execute(insert(RegionRow), [_values(r) for r in changes.added])
            for region in changes.changed:
                session.execute(
                    update(RegionRow).where(RegionRow.code == region.code).values(**_values(region), retired_at=None)
                )
            now = datetime.datetime.now(datetime.timezone.utc)
            for region in changes.retired:
                session.execute(
                    update(RegionRow)
                    .where(RegionRow.code == region.code)
                    .values(parent_code=region.parent, retired_at=now)
                )
            successors = changes.successors
            session.execute(delete(RegionSuccessorRow).where(RegionSuccessorRow.old_code.in_(successors)))
            if successors:
                session.execute(
                    insert(RegionSuccessorRow),
                    [
                        dict(old_code=old, new_code=new, share=share)
                        for old, targets in successors.items()
                        for new, share in targets
                    ],
                )
            figures = _carry_workforce(session, successors)
            plans = _carry_plans(session, successors, {r.code for r in changes.retired})
            repointed, copied = _carry_coordinators(
                session, successors, {r.code: r.level for r in edition.records}, codes
            )
            sources = _carry_source_regions(session, successors, codes)
        return EditionReport(
            len(changes.added),
            len(changes.changed),
            changes.unchanged,
            len(changes.retired),
            figures,
            plans,
            repointed,
            copied,
            sources,
            edition.delimiter,
        )


def _values(region: Region) -> dict:
    return dict(code=region.code, parent_code=region.parent, level=region.level, name=region.name)


def _missing_sentence(missing: list[str]) -> str:
    named = ", ".join(missing[:_SHOWN]) + (f" and {len(missing) - _SHOWN:,} more" if len(missing) > _SHOWN else "")
    return (
        f"{len(missing):,} codes of the registry are not in this edition and have no mapping row ({named}): "
        "give each old_code,new_code rows in --mapping, so its history has somewhere to go"
    )


def _carry_workforce(session: Session, successors) -> int:
    """Moves the old codes' figures to their successors (editions.carried_workforce)."""
    stored = {(r.region_code, r.year): r.eligible_workforce for r in session.scalars(select(WorkforceRow))}
    carried = carried_workforce(stored, successors)
    session.execute(delete(WorkforceRow).where(WorkforceRow.region_code.in_(successors)))
    for code, year in carried.keys() & stored.keys():
        if code not in successors:
            session.execute(delete(WorkforceRow).where(WorkforceRow.region_code == code, WorkforceRow.year == year))
    if carried:
        session.execute(
            insert(WorkforceRow), [dict(region_code=c, year=y, eligible_workforce=n) for (c, y), n in carried.items()]
        )
    return len(carried)


def _carry_plans(session: Session, successors, retired: set[str]) -> int:
    plans: dict[str, list] = {}
    for row in session.scalars(select(PlanPointRow).order_by(PlanPointRow.region_code, PlanPointRow.date)):
        plans.setdefault(row.region_code, []).append((row.date, row.ratio))
    carried = carried_plans({code: tuple(points) for code, points in plans.items()}, successors)
    session.execute(delete(PlanPointRow).where(PlanPointRow.region_code.in_(retired & set(plans))))
    if carried:
        session.execute(
            insert(PlanPointRow),
            [
                dict(region_code=code, date=day, ratio=ratio)
                for code, points in carried.items()
                for day, ratio in points
            ],
        )
    return len(carried)


def _carry_coordinators(session: Session, successors, levels: dict[str, str], edition: set[str]) -> tuple[int, int]:
    """A retired code's coordinators move to its first successor that can have coordinators and
    are copied to the others; a code that stays keeps them and they are copied to its new parts.
    Nobody is copied where an active coordinator of the same name already is."""
    repointed = copied = 0
    for old, targets in successors.items():
        regions = [new for new, _ in targets if levels[new] in COORDINATOR_LEVELS]
        rows = list(session.scalars(select(CoordinatorRow).where(CoordinatorRow.region_code == old)))
        if not regions or not rows:
            continue
        if old not in edition:
            for row in rows:
                row.region_code = regions[0]
            repointed += len(rows)
        for new in (r for r in regions if r != old and (old in edition or r != regions[0])):
            present = set(
                session.scalars(
                    select(CoordinatorRow.name).where(CoordinatorRow.region_code == new, CoordinatorRow.active)
                )
            )
            for row in rows:
                if row.active and row.name not in present:
                    session.add(_copy(row, new))
                    copied += 1
    return repointed, copied


def _copy(row: CoordinatorRow, region_code: str) -> CoordinatorRow:
    """The same person, channels and webhook secret (their receiver checks signatures with it)."""
    columns = [field.name for field in COORDINATOR_FIELDS if field.name != "region_code"] + ["webhook_secret"]
    return CoordinatorRow(
        region_code=region_code,
        created_at=datetime.datetime.now(datetime.timezone.utc),
        **{column: getattr(row, column) for column in columns},
    )


def _carry_source_regions(session: Session, successors, edition: set[str]) -> int:
    """A source allowed an old code is allowed its successors; a retired code leaves its list."""
    moved = 0
    for old, targets in successors.items():
        for scope in list(session.scalars(select(SourceRegionRow).where(SourceRegionRow.region_code == old))):
            have = set(
                session.scalars(
                    select(SourceRegionRow.region_code).where(SourceRegionRow.source_name == scope.source_name)
                )
            )
            for new, _ in targets:
                if new not in have:
                    session.add(SourceRegionRow(source_name=scope.source_name, region_code=new))
            if old not in edition:
                session.delete(scope)
            moved += 1
    return moved
