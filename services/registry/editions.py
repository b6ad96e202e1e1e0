"""What a new edition of the region codes changes, decided before anything is written (pure).

"A region keeps its history" means, concretely:
- a code that leaves the edition is not deleted but *retired*: it stays a region, so events
  that carry it (past ones on a replay, late ones from a registration system) are still valid
  and still counted. When it has exactly one successor of its own level, it moves under that
  successor's parent, so its participants count in the new district, regency and province;
  otherwise it stays under its old parent;
- its eligible workforce per year goes to its successors, split by the mapping's shares;
- a successor without a plan of its own takes its predecessors' plan, when they agree;
- coordinators and the regions of sources follow the mapping (edition_store.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Collection, Mapping

from services.registry.csv_files import CsvFile, Problem
from services.registry.region_files import Successor
from streams.domain.regions import LEVELS, Region

SHARE_TOLERANCE = 1e-6
Shares = tuple[tuple[str, float], ...]  # (new code, share of the old code's workforce)
Plan = tuple[tuple[object, float], ...]


@dataclass(frozen=True)
class EditionChanges:
    added: tuple[Region, ...]  # parents first
    changed: tuple[Region, ...]  # stored codes whose parent, level or name changed, or that return
    retired: tuple[Region, ...]  # codes leaving, with the parent they hang under from now on
    unchanged: int
    successors: Mapping[str, Shares]  # old code -> its successors, with shares summing to 1


def mapping_problems(
    current: Collection[str], retired: Collection[str], edition: Collection[str], mapping: CsvFile[Successor]
) -> list[Problem]:
    """What is wrong with the mapping rows, each with its line, given the registry's current
    and retired codes and the codes of the new edition."""
    problems = []
    rows_of: dict[str, list[tuple[int, Successor]]] = defaultdict(list)
    for line, row in zip(mapping.lines, mapping.records):
        errors = []
        if row.old_code in retired:
            errors.append(f"old_code {row.old_code} was retired by an earlier edition")
        elif row.old_code not in current:
            errors.append(f"old_code {row.old_code} is not a region of the registry")
        if row.new_code not in edition:
            errors.append(f"new_code {row.new_code} is not in the new edition")
        if errors:
            problems.append((line, "; ".join(errors)))
        rows_of[row.old_code].append((line, row))
    for old, rows in rows_of.items():
        first = rows[0][0]
        targets = {row.new_code for _, row in rows}
        if old in edition and old not in targets:
            problems.append(
                (first, f"{old} is in the new edition too, so list it among its own successors ({old},{old},share)")
            )
        shares = [row.share for _, row in rows]
        if len(rows) > 1 and None in shares:
            problems.append(
                (first, f"{old} splits into {len(rows)} regions: give each of its rows a share of its workforce")
            )
        elif len(rows) > 1 and abs(sum(shares) - 1) > SHARE_TOLERANCE:  # type: ignore[arg-type]
            problems.append((first, f"the shares of {old} add up to {sum(shares):g}, not 1"))  # type: ignore[arg-type]
        elif len(rows) == 1 and shares[0] not in (None, 1.0):
            problems.append(
                (first, f"{old} has one successor, which takes all of its workforce: leave its share empty or 1")
            )
    return sorted(problems)


def unmapped_codes(current: Collection[str], edition: Collection[str], mapping: CsvFile[Successor]) -> list[str]:
    """Current codes that leave the edition without a mapping row: their history would have nowhere to go."""
    mapped = {row.old_code for row in mapping.records}
    return sorted(code for code in current if code not in edition and code not in mapped)


def plan_edition(
    stored: Mapping[str, Region], retired: Collection[str], edition: list[Region], mapping: CsvFile[Successor]
) -> EditionChanges:
    """The region changes of a valid edition and mapping (see mapping_problems, unmapped_codes)."""
    by_code = {region.code: region for region in edition}
    successors: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for row in mapping.records:
        successors[row.old_code].append((row.new_code, 1.0 if row.share is None else row.share))
    added = tuple(sorted((r for r in edition if r.code not in stored), key=lambda r: (LEVELS.index(r.level), r.code)))
    changed = tuple(r for r in edition if r.code in stored and (stored[r.code] != r or r.code in retired))
    leaving = []
    for code in sorted(stored.keys() - by_code.keys() - set(retired)):
        region, targets = stored[code], successors.get(code, [])
        if len(targets) == 1 and by_code[targets[0][0]].level == region.level:
            region = Region(code, by_code[targets[0][0]].parent, region.level, region.name)
        leaving.append(region)
    unchanged = len(edition) - len(added) - len(changed)
    return EditionChanges(added, changed, tuple(leaving), unchanged, {old: tuple(t) for old, t in successors.items()})


def carried_workforce(
    stored: Mapping[tuple[str, int], int], successors: Mapping[str, Shares]
) -> dict[tuple[str, int], int]:
    """The figures to write for every (region, year) the mapping touches; the figures of the old
    codes are to be removed first. A successor's own figure stays and the carried parts add to
    it (a merge); an old code that is its own successor keeps only its share. Each split is
    rounded so that its parts add up to the old figure."""
    result: dict[tuple[str, int], int] = {}
    for old, targets in successors.items():
        for (code, year), figure in stored.items():
            if code != old:
                continue
            for new, part in zip((new for new, _ in targets), split(figure, [share for _, share in targets])):
                base = 0 if new in successors else stored.get((new, year), 0)
                result[(new, year)] = result.get((new, year), base) + part
    return {key: value for key, value in result.items() if value > 0}


def split(total: int, shares: list[float]) -> list[int]:
    """`total` in whole parts proportional to `shares` (summing to 1), by largest remainder."""
    exact = [total * share for share in shares]
    parts = [int(value) for value in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def carried_plans(plans: Mapping[str, Plan], successors: Mapping[str, Shares]) -> dict[str, Plan]:
    """Plans for successors that have none of their own: their predecessors' plan, when all the
    predecessors with a plan have the same one (otherwise the successor uses its parent's)."""
    offered: dict[str, set[Plan]] = defaultdict(set)
    for old, targets in successors.items():
        if old in plans:
            for new, _ in targets:
                offered[new].add(tuple(plans[old]))
    return {new: next(iter(options)) for new, options in offered.items() if new not in plans and len(options) == 1}
