"""The figures of a monthly report: from the workers' /history and /status answers and the
registry's data to one frozen ReportData. Pure: no I/O, no clock.

Every number is either read from the workers or derived with the domain's own functions
(assess, planned_ratio); nothing is estimated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping, Sequence

from services.worker_client import History
from streams.domain.alerts import HistoryPoint
from streams.domain.regions import RegionTree
from streams.domain.trajectory import (
    STATUSES,
    Outlook,
    PlanPoints,
    RegionFigures,
    StatusThresholds,
    assess,
    planned_ratio,
)

REPORT_LEVELS = ("province", "regency")
CHART_MONTHS = 12


class ReportRefused(Exception):
    """This report cannot be made; the message says why in one sentence."""


@dataclass(frozen=True)
class Period:
    month: date  # its first day
    day: date  # the figures' day: the month's last day, or the workers' today in the current month
    previous: date  # the previous month's last day
    current: bool
    chart_from: date  # the first day of the chart: CHART_MONTHS months ending with `month`
    history_from: date  # the first day the region's history is needed for (chart and pace)


def period(month: date, today: date) -> Period:
    """The days a report for `month` is about; refuses a month after the workers' today."""
    month = month.replace(day=1)
    if month > today:
        raise ReportRefused(f"{month:%Y-%m} is in the future: the workers' today is {today}")
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    current = end >= today
    day = today if current else end
    chart_from = _months_before(month, CHART_MONTHS - 1)
    pace_from = day - timedelta(days=30)
    previous = month - timedelta(days=1)
    return Period(month, day, previous, current, chart_from, min(chart_from, pace_from, previous))


def _months_before(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def children_from(p: Period) -> date:
    """The first day a child region's history is needed for: the previous month end and the pace."""
    return min(p.previous, p.day - timedelta(days=30))


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    active: int
    change: int  # active on the report's day minus active at the previous month end
    figures: RegionFigures  # coverage, gap and status are None without a workforce figure


@dataclass(frozen=True)
class Cliff:
    """From the region stage, as of the workers' today (whatever month the report is for)."""

    participants: int
    by_payer: tuple[tuple[str, int], ...]  # largest first
    as_of: date


@dataclass(frozen=True)
class WorkforceNote:
    workforce: int | None
    years: tuple[int, ...]  # the registry years whose figures make it up
    estimate: bool  # every one of them is the package's seeded estimate (services/data)


@dataclass(frozen=True)
class PipelineNotes:
    """From the workers' /metrics."""

    dead_letters: int | None  # ucj_dead_letters_total summed over the workers; None when no worker exports it
    freshness: tuple[tuple[str, datetime], ...] | None  # newest event per source; None when not exported


@dataclass(frozen=True)
class ReportData:
    region: str
    name: str
    level: str
    period: Period
    today: date
    figures: RegionFigures  # on period.day; the status with the pace rule, as the region stage judges it
    previous: RegionFigures  # at the previous month end
    outlook: Outlook
    history: tuple[HistoryPoint, ...]  # the chart's days
    target: tuple[int, float] | None  # (year, the planned ratio on 31 December of the day's year)
    children_level: str
    children: tuple[ChildRow, ...]  # worst first
    children_without_workforce: int
    cliff: Cliff | None  # None: no worker given runs the region stage with complete figures
    workforce: WorkforceNote
    pipeline: PipelineNotes

    @property
    def change(self) -> int:
        return self.figures.active - self.previous.active


def build(
    code: str,
    tree: RegionTree,
    p: Period,
    today: date,
    history: History,
    children: Mapping[str, History],
    thresholds: StatusThresholds,
    plan: PlanPoints,
    outlook_row: dict | None,
    workforce: WorkforceNote,
    pipeline: PipelineNotes,
) -> ReportData:
    """`history` covers p.history_from..p.day, each child's children_from(p)..p.day."""
    by_day = dict(zip(history.days, history.rows))
    figures, region_outlook = _assessed(by_day, p.day, thresholds, plan)
    rows = tuple(
        _child(child, tree.regions[child].name, dict(zip(h.days, h.rows)), p, thresholds)
        for child, h in children.items()
    )
    year_end = planned_ratio(plan, date(p.day.year, 12, 31))
    return ReportData(
        region=code,
        name=tree.regions[code].name,
        level=tree.level_of(code),
        period=p,
        today=today,
        figures=figures,
        previous=by_day[p.previous.isoformat()],
        outlook=region_outlook,
        history=tuple(
            HistoryPoint(day=date.fromisoformat(d), coverage=f.coverage, planned=f.planned)
            for d, f in by_day.items()
            if d >= p.chart_from.isoformat()
        ),
        target=None if year_end is None else (p.day.year, year_end),
        children_level=tree.level_of(next(iter(children))) if children else "",
        children=tuple(sorted(rows, key=_worst_first)),
        children_without_workforce=sum(1 for r in rows if r.figures.coverage is None),
        cliff=_cliff(outlook_row, today),
        workforce=workforce,
        pipeline=pipeline,
    )


def _actives(by_day: Mapping[str, RegionFigures], day: date) -> list[int]:
    """Active participants per day up to `day`, oldest first (what pace_per_day takes)."""
    return [f.active for d, f in sorted(by_day.items()) if d <= day.isoformat()]


def _assessed(
    by_day: Mapping[str, RegionFigures], day: date, thresholds: StatusThresholds, plan: PlanPoints = ()
) -> tuple[RegionFigures, Outlook]:
    """The region on `day` as the region stage judges it (the domain's assess, one pace for both)."""
    f = by_day[day.isoformat()]
    return assess(f.region, f.active, _actives(by_day, day), f.workforce, f.planned, plan, day, thresholds)


def _child(
    code: str, name: str, by_day: Mapping[str, RegionFigures], p: Period, thresholds: StatusThresholds
) -> ChildRow:
    figures, _ = _assessed(by_day, p.day, thresholds)
    return ChildRow(code, name, figures.active, figures.active - by_day[p.previous.isoformat()].active, figures)


def _worst_first(row: ChildRow):
    """By gap, largest first; rows without a gap after them, by the change over the month, largest fall first."""
    f = row.figures
    if f.gap is not None:
        return (0, -STATUSES.index(f.status or "on_track"), -f.gap, row.code)
    return (1, 0, row.change, row.code)


def _cliff(outlook_row: dict | None, today: date) -> Cliff | None:
    if not outlook_row:
        return None
    by_payer = outlook_row.get("lapse_cliff_by_payer")
    if by_payer is None:  # a worker from before the cliff was split by payer on /status
        return None
    payers = tuple(sorted(by_payer.items(), key=lambda item: (-item[1], item[0])))
    return Cliff(outlook_row.get("lapse_cliff") or 0, payers, today)


def workforce_note(
    code: str,
    tree: RegionTree,
    figures_by_year: Mapping[int, Mapping[str, int]],
    year: int,
    workforce: int | None,
    estimates: Mapping[str, int],
    estimate_years: Sequence[int],
) -> WorkforceNote:
    """Which registry years make up the region's workforce for `year`, and whether they are the seeded estimate.

    A region's own figure of `year` counts, else its latest earlier year's, else its earliest
    later year's (Registry.workforce); a region without a figure of any year adds up its children.
    """
    by_region: dict[str, dict[int, int]] = {}
    for figure_year, figures in figures_by_year.items():
        for region, value in figures.items():
            by_region.setdefault(region, {})[figure_year] = value
    used = list(_figures_used(code, tree, by_region, year)) if workforce is not None else []
    estimate = bool(used) and all(
        y in estimate_years and estimates.get(region) == by_region[region][y] for region, y in used
    )
    return WorkforceNote(workforce, tuple(sorted({y for _, y in used})), estimate)


def _figures_used(code: str, tree: RegionTree, by_region: Mapping[str, Mapping[int, int]], year: int):
    years = by_region.get(code)
    if years:
        earlier = [y for y in years if y <= year]
        yield code, (max(earlier) if earlier else min(years))
        return
    for child in tree.children_of(code):
        yield from _figures_used(child, tree, by_region, year)
