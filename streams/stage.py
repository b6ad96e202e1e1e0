"""The region stage: the latest partial of every event partition, summed into region reports.

Kafka-free: the worker feeds it partials and asks it for reports and alert transitions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .domain.alerting import SEVERITY, AlertBook, Decision
from .domain.alerts import AlertTransition, HistoryPoint, LapseCliff, alert_figures
from .domain.cliff import CLIFF_HORIZON_DAYS
from .domain.trajectory import Outlook, RegionFigures, assess, coverage_of, region_figures
from .partials import HISTORY_DAYS, RegionPartial, RegionTotals, sum_partials
from .reference import Reference


class RegionStage:
    def __init__(self) -> None:
        self.latest: dict[int, RegionPartial] = {}
        self.received = 0  # partials taken in, so callers know when the sums changed

    def receive(self, partial: RegionPartial) -> None:
        known = self.latest.get(partial.partition)
        if known is None or partial.day >= known.day:  # absolute values: the newest replaces
            self.latest[partial.partition] = partial
            self.received += 1

    def clear(self) -> None:
        self.latest.clear()

    def complete_day(self, generation: int) -> date | None:
        """The day every partition reported on, each caught up in this generation; None until then.

        A partial from an earlier generation (before a rebalance or a restart) is stale: the
        stage waits until every partition's new owner has caught up again.
        """
        partials = list(self.latest.values())
        if not partials:
            return None
        expected = set(range(max(p.partitions for p in partials)))
        days = {p.day for p in partials}
        current = all(p.caught_up and p.generation == generation for p in partials)
        if set(self.latest) != expected or len(days) != 1 or not current:
            return None
        return days.pop()

    def totals(self) -> dict[str, RegionTotals]:
        return sum_partials(list(self.latest.values()))


@dataclass(frozen=True)
class RegionReport:
    day: date
    figures: RegionFigures  # status includes the pace rule
    outlook: Outlook
    cliff: LapseCliff | None
    cliff_status: str  # on_track, or the status losing the cliff would bring, when that is worse
    daily_active: list[int]  # HISTORY_DAYS values, the last one today


def region_reports(
    totals: dict[str, RegionTotals], reference: Reference, day: date, codes: list[str]
) -> dict[str, RegionReport]:
    empty = RegionTotals(Counter(), [0] * HISTORY_DAYS, {})
    return {code: region_report(code, totals.get(code, empty), reference, day) for code in codes}


def region_report(code: str, totals: RegionTotals, reference: Reference, day: date) -> RegionReport:
    active = sum(totals.active.values())
    figures, region_outlook = assess(
        code,
        active,
        totals.history,
        reference.workforce(code, day),
        reference.planned(code, day),
        reference.plan(code),
        day,
        reference.thresholds,
    )
    cliff, cliff_status = _lapse_cliff(code, totals, active, figures, reference, day)
    return RegionReport(day, figures, region_outlook, cliff, cliff_status, totals.history)


def _lapse_cliff(
    code: str, totals: RegionTotals, active: int, figures: RegionFigures, reference: Reference, day: date
) -> tuple[LapseCliff | None, str]:
    leaving = sum(n for n, _ in totals.cliff.values())
    then = day + timedelta(days=CLIFF_HORIZON_DAYS)
    workforce, planned = reference.workforce(code, then), reference.planned(code, then)
    if not leaving or not workforce or planned is None or figures.status is None:
        return None, "on_track"
    after = region_figures(code, active - leaving, workforce, planned, reference.thresholds)
    staying = region_figures(code, active, workforce, planned, reference.thresholds)  # what the plan alone brings
    # a workforce and a plan: region_figures judged both
    status_after, status_staying = after.status or "on_track", staying.status or "on_track"
    cliff = LapseCliff(
        horizon_days=CLIFF_HORIZON_DAYS,
        participants=leaving,
        by_payer={payer: n for payer, (n, _) in sorted(totals.cliff.items())},
        first_end=min(first for _, first in totals.cliff.values()),
        coverage_after=after.coverage,
        status_after=status_after,
    )
    worse = SEVERITY[status_after] > max(SEVERITY[figures.status], SEVERITY[status_staying])
    return cliff, status_after if worse else "on_track"


def alert_transition(decision: Decision, report: RegionReport, reference: Reference, at: datetime) -> AlertTransition:
    """The published form of a decision, with the figures a coordinator needs to act on it."""
    tree, code, f, o = reference.tree, decision.region_code, report.figures, report.outlook
    first_day = report.day - timedelta(days=len(report.daily_active) - 1)
    history = []
    for offset, active in enumerate(report.daily_active):
        day = first_day + timedelta(days=offset)
        history.append(
            HistoryPoint(
                day=day,
                coverage=coverage_of(active, reference.workforce(code, day)),
                planned=reference.planned(code, day),
            )
        )
    return AlertTransition(
        alert_id=decision.alert_id,
        transition_id=decision.transition_id,
        sequence=decision.sequence,
        kind=decision.kind,
        transition=decision.transition,
        region_code=code,
        region_name=tree.regions[code].name,
        level=tree.level_of(code),
        regency_code=tree.regency_of(code),
        status=decision.status,
        previous_status=decision.previous_status,
        at=at,
        figures=alert_figures(report.day, f, o),
        lapse_cliff=report.cliff,
        history=tuple(history),
    )


def due_decisions(
    book: AlertBook, reports: dict[str, RegionReport], now: datetime, hold: timedelta
) -> list[tuple[Decision, RegionReport]]:
    """What the book says to publish for these reports; record each in the book once published."""
    due = []
    for code, report in reports.items():
        if report.figures.status is None:  # no workforce or plan: nothing to judge
            continue
        for kind, status in (("coverage_status", report.figures.status), ("lapse_cliff", report.cliff_status)):
            decision = book.evaluate(kind, code, status, now, hold)
            if decision is not None:
                due.append((decision, report))
    return due
