"""What loading workforce figures changes, decided before anything is written (pure).

A file that covers only some regions of a year merges into what is stored: the regions in
the file are added or updated, the others keep their figures. Replacing the year instead
also removes the figures of that year's regions the file leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from services.registry.csv_files import WorkforceFigure

FigureKey = tuple[str, int]  # (region code, year)


@dataclass(frozen=True)
class WorkforceChanges:
    """Figures to add, to update (new value) and to remove, and how many stay as they are."""

    years: tuple[int, ...]
    replace_year: bool
    added: dict[FigureKey, int]
    updated: dict[FigureKey, int]
    removed: tuple[FigureKey, ...]
    unchanged: int

    @property
    def loaded(self) -> int:
        """Rows of the file."""
        return len(self.added) + len(self.updated) + self.unchanged


def workforce_changes(
    stored: Mapping[FigureKey, int], figures: Iterable[WorkforceFigure], replace_year: bool
) -> WorkforceChanges:
    """The changes that bring `stored` (the figures of at least the file's years) to the file.

    Merging (the default) leaves figures the file does not name alone; `replace_year`
    removes every stored figure of the file's years that the file does not name.
    """
    incoming = {(f.region_code, f.year): f.eligible_workforce for f in figures}
    years = tuple(sorted({year for _, year in incoming}))
    added = {key: value for key, value in incoming.items() if key not in stored}
    updated = {key: value for key, value in incoming.items() if key in stored and stored[key] != value}
    removed: tuple[FigureKey, ...] = ()
    if replace_year:
        removed = tuple(sorted(key for key in stored if key[1] in years and key not in incoming))
    unchanged = len(incoming) - len(added) - len(updated)
    return WorkforceChanges(years, replace_year, added, updated, removed, unchanged)


@dataclass(frozen=True)
class WorkforceLoadReport:
    """What `load_workforce_csv` did, in counts of (region, year) figures."""

    years: tuple[int, ...]
    replace_year: bool
    added: int
    updated: int
    unchanged: int
    removed: int
    delimiter: str = ","

    @classmethod
    def of(cls, changes: WorkforceChanges, delimiter: str) -> "WorkforceLoadReport":
        return cls(
            changes.years,
            changes.replace_year,
            len(changes.added),
            len(changes.updated),
            changes.unchanged,
            len(changes.removed),
            delimiter,
        )

    @property
    def loaded(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        """One sentence, e.g. `merged 2 figures into year 2025: 1 region added, 1 updated,
        0 unchanged, 0 removed (the year's other regions keep their figures)`."""
        years = ", ".join(map(str, self.years))
        verb = "replaced year" if self.replace_year else "merged into year"
        kept = "" if self.replace_year else " (the year's other regions keep their figures)"
        return (
            f"{verb}{'s' if len(self.years) > 1 else ''} {years} with {self.loaded:,} figures: "
            f"{self.added:,} regions added, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.removed:,} removed{kept}"
        )
