"""The region hierarchy (province > regency > district > village), with no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

LEVELS = ("province", "regency", "district", "village")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    parent: str | None
    level: str
    name: str


@dataclass(frozen=True)
class RegionTree:
    """Regions by code, with each region's chain of ancestors precomputed."""

    regions: Mapping[str, Region]
    _chains: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_regions(cls, regions: Iterable[Region]) -> "RegionTree":
        by_code = {r.code: r for r in regions}
        for r in by_code.values():
            if r.level not in LEVELS:
                raise ValueError(f"region {r.code}: unknown level {r.level!r}")
            if r.parent is not None and r.parent not in by_code:
                raise ValueError(f"region {r.code}: parent {r.parent} is not a known region")
        tree = cls(by_code)
        for code in sorted(by_code):
            tree._chains[code] = tree._walk_up(code)
            parent = by_code[code].parent
            if parent is not None:
                tree._children.setdefault(parent, []).append(code)
        return tree

    def _walk_up(self, code: str) -> tuple[str, ...]:
        chain = []
        seen = set()
        current: str | None = code
        while current is not None:
            if current in seen:
                raise ValueError(f"region {code}: cycle in parents")
            seen.add(current)
            chain.append(current)
            current = self.regions[current].parent
        return tuple(chain)

    def __contains__(self, code: object) -> bool:
        return code in self.regions

    def __len__(self) -> int:
        return len(self.regions)

    def self_and_ancestors(self, code: str) -> tuple[str, ...]:
        """The region itself first, then its parent, up to the province."""
        return self._chains[code]

    def level_of(self, code: str) -> str:
        return self.regions[code].level

    def codes_at(self, level: str) -> list[str]:
        return sorted(c for c, r in self.regions.items() if r.level == level)

    def children_of(self, code: str) -> list[str]:
        return self._children.get(code, [])

    def regency_of(self, code: str) -> str | None:
        for ancestor in self._chains[code]:
            if self.regions[ancestor].level == "regency":
                return ancestor
        return None
