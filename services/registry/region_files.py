"""Reading a new edition of the Kemendagri region codes and the mapping from old codes to new
ones (pure parsing; see editions.py for what loading them changes).

The edition has the columns of services/data/kalbar_regions.csv: `code,parent,level,name`,
every region of the province, parents named by code. The mapping has `old_code,new_code`
rows, and a `share` column when one old code splits: the fraction of its eligible workforce
that goes to that new code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from services.registry.csv_files import CsvFile, CsvRejected, Key, Progress, read_rows
from streams.domain.regions import LEVELS, Region, RegionTree

REGION_COLUMNS = ("code", "parent", "level", "name")
MAPPING_COLUMNS = ("old_code", "new_code")
MAPPING_OPTIONAL_COLUMNS = ("share",)
MAX_CODE, MAX_NAME = 32, 200  # the widths of the regions table


@dataclass(frozen=True)
class Successor:
    """One row of the mapping: `old_code` (partly) became `new_code`; `share` is None when not given."""

    old_code: str
    new_code: str
    share: float | None


def read_regions_csv(path: str | Path, progress: Progress | None = None) -> CsvFile[Region]:
    """The regions of an edition; raises CsvRejected when a row is bad or the rows do not make
    one tree under one province."""

    def parse(fields: dict[str, str], errors: list[str]) -> tuple[Key, Region | None]:
        code, parent, level, name = (fields[column] for column in REGION_COLUMNS)
        if not code or len(code) > MAX_CODE or any(c.isspace() for c in code):
            errors.append(f"code must be 1 to {MAX_CODE} characters without spaces, got {code!r}")
        if level not in LEVELS:
            errors.append(f"level must be {', '.join(LEVELS)}, got {level!r}")
        elif (level == "province") != (not parent):
            errors.append("the province has no parent" if level == "province" else f"a {level} needs a parent code")
        if not name or len(name) > MAX_NAME:
            errors.append(f"name must be 1 to {MAX_NAME} characters, got {name!r}")
        return (code,), None if errors else Region(code, parent or None, level, name)

    edition = read_rows(path, REGION_COLUMNS, parse, progress=progress)
    problems = _tree_problems(edition)
    if problems:
        raise CsvRejected(path, problems)
    return edition


def read_mapping_csv(path: str | Path) -> CsvFile[Successor]:
    """The rows of a mapping file; raises CsvRejected on a bad row (checks against the registry
    and the edition are editions.py's)."""

    def parse(fields: dict[str, str], errors: list[str]) -> tuple[Key, Successor | None]:
        old, new, share_text = fields["old_code"], fields["new_code"], fields["share"]
        if not old:
            errors.append("old_code is empty")
        if not new:
            errors.append("new_code is empty")
        share = None
        if share_text:
            try:
                share = float(share_text.replace(",", ".", 1))
            except ValueError:
                share = math.nan
            if not (math.isfinite(share) and 0 < share <= 1):
                errors.append(f"share must be a number above 0 and at most 1, got {share_text!r}")
        return (old, new), None if errors else Successor(old, new, share)

    return read_rows(path, MAPPING_COLUMNS, parse, optional=MAPPING_OPTIONAL_COLUMNS)


def _tree_problems(edition: CsvFile[Region]) -> list[tuple[int, str]]:
    """The edition must be one tree: one province, every parent in the file, a level below its parent's."""
    line_of = {region.code: line for region, line in zip(edition.records, edition.lines)}
    by_code = {region.code: region for region in edition.records}
    problems = []
    provinces = [r.code for r in edition.records if r.level == "province"]
    if len(provinces) != 1:
        problems.append((1, f"an edition has exactly one province, this one has {len(provinces)}"))
    for region in edition.records:
        parent = by_code.get(region.parent) if region.parent else None
        if region.parent and parent is None:
            problems.append((line_of[region.code], f"parent {region.parent} is not a code of this file"))
        elif parent is not None and LEVELS.index(parent.level) != LEVELS.index(region.level) - 1:
            problems.append((line_of[region.code], f"a {region.level} cannot be under {parent.code}, a {parent.level}"))
    if not problems:
        RegionTree.from_regions(edition.records)  # levels strictly descend, so there is no cycle
    return problems
