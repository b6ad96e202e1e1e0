"""Planned trajectory, gap and status of a region (design note, "Coverage, trajectory, status")."""
from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from typing import Mapping, Sequence

from .regions import RegionTree

PlanPoints = Sequence[tuple[date, float]]  # sorted by date
STATUSES = ("on_track", "behind", "critical")


@dataclass(frozen=True)
class StatusThresholds:
    behind_pp: float = 0.5
    critical_pp: float = 5.0


def planned_ratio(points: PlanPoints, day: date) -> float | None:
    """Linear between points, flat before the first and after the last."""
    if not points:
        return None
    dates = [d for d, _ in points]
    if day <= dates[0]:
        return points[0][1]
    if day >= dates[-1]:
        return points[-1][1]
    i = bisect_right(dates, day)
    (d0, r0), (d1, r1) = points[i - 1], points[i]
    return r0 + (r1 - r0) * (day - d0).days / (d1 - d0).days


def plan_of(code: str, plans: Mapping[str, PlanPoints], tree: RegionTree) -> PlanPoints:
    """The region's own plan, else the nearest ancestor's."""
    for ancestor in tree.self_and_ancestors(code):
        if plans.get(ancestor):
            return plans[ancestor]
    return ()


@dataclass(frozen=True)
class RegionFigures:
    region: str
    active: int
    workforce: int | None
    coverage: float | None
    planned: float | None
    gap: float | None  # planned - coverage, as a ratio (x100 for percentage points)
    gap_workers: int | None
    status: str | None


def region_figures(
    code: str,
    active: int,
    workforce: int | None,
    planned: float | None,
    thresholds: StatusThresholds = StatusThresholds(),
) -> RegionFigures:
    coverage = active / workforce if workforce else None
    if coverage is None or planned is None:
        return RegionFigures(code, active, workforce, coverage, planned, None, None, None)
    gap = planned - coverage
    gap_workers = math.ceil(round(gap * workforce, 9))  # negative when ahead of plan
    return RegionFigures(code, active, workforce, coverage, planned, gap, gap_workers, status_of(gap, thresholds))


def status_of(gap: float, thresholds: StatusThresholds) -> str:
    """Status from the gap alone; the pace rule (behind with pace <= 0 is critical) needs the daily history."""
    gap_pp = round(gap * 100, 9)  # so a gap of exactly 0.5 pp is not 0.50000001 by float error
    if gap_pp > thresholds.critical_pp:
        return "critical"
    if gap_pp > thresholds.behind_pp:
        return "behind"
    return "on_track"
