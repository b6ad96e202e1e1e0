"""Planned trajectory, gap and status of a region (design note, "Coverage, trajectory, status")."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Mapping, Sequence

from .regions import RegionTree

PlanPoints = Sequence[tuple[date, float]]  # sorted by date
STATUSES = ("on_track", "behind", "critical")  # from best to worst
PACE_WINDOW_DAYS = 30
DAYS_PER_MONTH = 365.25 / 12
# the JKK+JKM contribution of a BPU worker, which the assistance programme pays (the budget, the simulator)
ASSISTANCE_IDR_PER_WORKER_MONTH = 16_800
MAX_ETA_DAYS = 100 * 365
BEHIND_PP = 0.5  # a gap above this many percentage points is behind (the worker's --behind-pp, the dashboards)
CRITICAL_PP = 5.0  # and above this one critical (--critical-pp)
GAP_PP_DIGITS = 9  # so a gap of exactly 0.5 pp is not 0.50000001 by float error


@dataclass(frozen=True)
class StatusThresholds:
    behind_pp: float = BEHIND_PP
    critical_pp: float = CRITICAL_PP


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
    status: str | None  # with the pace rule when the pace was given (see region_figures)

    @property
    def gap_pp(self) -> float | None:
        """The gap in percentage points (planned - coverage, negative when ahead)."""
        return None if self.gap is None else gap_points(self.gap)


def coverage_of(active: int, workforce: int | None) -> float | None:
    """Active participants / eligible workforce; None without a workforce figure."""
    return active / workforce if workforce else None


def gap_points(gap: float) -> float:
    """A gap ratio in percentage points, rounded once for every reader."""
    return round(gap * 100, GAP_PP_DIGITS)


def region_figures(
    code: str,
    active: int,
    workforce: int | None,
    planned: float | None,
    thresholds: StatusThresholds = StatusThresholds(),
    pace: float | None = None,
) -> RegionFigures:
    """Coverage, gap and status; the pace (when known) makes a region that is behind critical."""
    coverage = coverage_of(active, workforce)
    if workforce is None or coverage is None or planned is None:
        return RegionFigures(code, active, workforce, coverage, planned, None, None, None)
    gap = planned - coverage
    gap_workers = math.ceil(round(gap * workforce, 9))  # negative when ahead of plan
    return RegionFigures(code, active, workforce, coverage, planned, gap, gap_workers, status_of(gap, thresholds, pace))


def status_of(gap: float, thresholds: StatusThresholds, pace: float | None = None) -> str:
    """critical when the gap passes critical_pp, or when behind and not gaining (pace <= 0)."""
    gap_pp = gap_points(gap)
    if gap_pp > thresholds.critical_pp:
        return "critical"
    if gap_pp > thresholds.behind_pp:
        return "critical" if pace is not None and pace <= 0 else "behind"
    return "on_track"


def pace_per_day(daily_active: Sequence[int]) -> float | None:
    """Net change in active participants per day over the trailing PACE_WINDOW_DAYS.

    `daily_active` ends today, oldest first; None when it is shorter than the window.
    """
    if len(daily_active) <= PACE_WINDOW_DAYS:
        return None
    return (daily_active[-1] - daily_active[-1 - PACE_WINDOW_DAYS]) / PACE_WINDOW_DAYS


def assess(
    code: str,
    active: int,
    daily_active: Sequence[int],
    workforce: int | None,
    planned: float | None,
    points: PlanPoints,
    day: date,
    thresholds: StatusThresholds = StatusThresholds(),
) -> tuple[RegionFigures, Outlook]:
    """A region on `day`: its figures, the status with the pace rule, and its outlook, from one pace.

    `daily_active` ends on `day`, oldest first (see pace_per_day). The region stage, `/status`
    and the report all judge a region here.
    """
    pace = pace_per_day(daily_active)
    figures = region_figures(code, active, workforce, planned, thresholds, pace)
    return figures, outlook(figures, pace, points, day)


@dataclass(frozen=True)
class Outlook:
    """Where the region is heading, and what closing its gap takes (design note, "Gap figures")."""

    pace_per_day: float | None
    target_date: date | None  # the next plan point after today (past the last one: the end of the budget year)
    target_ratio: float | None
    eta: date | None  # None when the pace is <= 0 (or the ETA over a century away) and the target is not reached yet
    required_pace_per_day: float | None
    enrollments_needed_per_month: int | None
    months_left: float | None
    budget_idr: int | None


def next_target(points: PlanPoints, day: date) -> tuple[date | None, float | None]:
    """The first plan point after `day`.

    Past the last point the plan stays flat at its ratio, and the target date is the end of
    the budget year (the next one on 31 December), so that the required pace and the budget
    still say what staying on plan takes.
    """
    for point_date, ratio in points:
        if point_date > day:
            return point_date, ratio
    if not points:
        return None, None
    year_end = date(day.year, 12, 31)
    return (year_end if day < year_end else date(day.year + 1, 12, 31)), points[-1][1]


def outlook(figures: RegionFigures, pace: float | None, points: PlanPoints, day: date) -> Outlook:
    target_date, target_ratio = next_target(points, day)
    if figures.workforce is None or target_ratio is None:
        return Outlook(pace, target_date, target_ratio, None, None, None, None, None)
    missing = max(0, math.ceil(round(target_ratio * figures.workforce, 9)) - figures.active)
    if missing == 0:
        eta = day
    elif pace is not None and pace > 0 and missing / pace <= MAX_ETA_DAYS:
        eta = day + timedelta(days=math.ceil(missing / pace))
    else:
        eta = None  # not gaining, or so slowly that no date would mean anything
    if target_date is None:
        return Outlook(pace, None, target_ratio, eta, None, None, None, None)
    days_left = (target_date - day).days
    required = missing / days_left
    months_left = days_left / DAYS_PER_MONTH
    budget = round(max(0, figures.gap_workers or 0) * ASSISTANCE_IDR_PER_WORKER_MONTH * months_left)
    return Outlook(
        pace,
        target_date,
        target_ratio,
        eta,
        required,
        math.ceil(round(required * DAYS_PER_MONTH, 9)),
        months_left,
        budget,
    )
