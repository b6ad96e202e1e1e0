"""Reference figures the worker reads from the registry: regions, workforce, plans, sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import AbstractSet, Callable, Mapping

from .domain.counts import workforce_of
from .domain.ownership import NOBODY, Owners
from .domain.regions import RegionTree
from .domain.trajectory import PlanPoints, StatusThresholds, plan_of, planned_ratio


@dataclass(frozen=True)
class Reference:
    tree: RegionTree
    workforce_by_year: Callable[[int], Mapping[str, int]]
    plans: Mapping[str, PlanPoints]
    thresholds: StatusThresholds = StatusThresholds()
    # every source name the registry holds, revoked ones too: the `source` labels (streams/sources.py)
    source_names: AbstractSet[str] = frozenset()
    # active source -> when it was added (Unix seconds): the sources watched for silence
    sources_added: Mapping[str, float] = field(default_factory=dict)
    # who may change whom: every source's regions (streams/domain/ownership.py)
    owners: Owners = NOBODY

    def workforce(self, code: str, day: date) -> int | None:
        return workforce_of(code, self.workforce_by_year(day.year), self.tree)

    def plan(self, code: str) -> PlanPoints:
        return plan_of(code, self.plans, self.tree)

    def planned(self, code: str, day: date) -> float | None:
        return planned_ratio(self.plan(code), day)


def load_reference(registry, thresholds: StatusThresholds = StatusThresholds()) -> Reference:
    """Read the figures from a services.registry.Registry; workforce years are read when first needed."""
    cache: dict[int, Mapping[str, int]] = {}

    def workforce_by_year(year: int) -> Mapping[str, int]:
        if year not in cache:
            cache[year] = registry.workforce(year)
        return cache[year]

    sources, tree = registry.sources(), registry.region_tree()
    return Reference(
        tree,
        workforce_by_year,
        registry.plans(),
        thresholds,
        frozenset(source.name for source in sources),
        {source.name: source.created_at.timestamp() for source in sources if source.active},
        owners_of(sources, tree),
    )


def owners_of(sources, tree: RegionTree) -> Owners:
    """Who may change whom, from the registry's sources (services.registry.Source), revoked ones too."""
    return Owners(tree, {source.name: source.regions for source in sources})
