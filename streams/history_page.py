"""GET /history: active participants per day of a region, from the partitions a worker owns.

The daily history is kept per partition from the events alone (streams/domain/history.py), so a
past day is exact and is restated when a late event changes it. A worker answers for the
partitions it owns; `ucj history` sums the workers. Aggregates only: no participant is named.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Iterable, Mapping

from .domain.regions import RegionTree
from .domain.trajectory import StatusThresholds
from .reference import Reference
from .status_page import Ownership

MAX_DAYS = 3700  # ten years and some: a bounded answer


@dataclass(frozen=True)
class HistoryQuery:
    region: str
    first: date
    last: date


@dataclass(frozen=True)
class Refused:
    reason: str  # one sentence, for the caller


def parse_query(
    params: Mapping[str, str], tree: RegionTree, levels: tuple[str, ...], today: date
) -> HistoryQuery | Refused:
    """?region=CODE&from=YYYY-MM-DD&to=YYYY-MM-DD, checked; `to` defaults to today, `from` to 90 days before it."""
    region = params.get("region", "")
    if not region:
        return Refused("region is required, e.g. ?region=61.01&from=2026-01-01&to=2026-06-30")
    if region not in tree.regions:
        return Refused(f"region {region!r} is not in the registry")
    if tree.level_of(region) not in levels:
        return Refused(
            f"region {region} is a {tree.level_of(region)}; the history is kept for the {', '.join(levels)} levels"
        )
    try:
        last = date.fromisoformat(params["to"]) if params.get("to") else today
        first = date.fromisoformat(params["from"]) if params.get("from") else last - timedelta(days=90)
    except ValueError as error:
        return Refused(f"from and to must be dates as YYYY-MM-DD ({error})")
    if last > today:
        return Refused(f"to ({last}) is after the worker's today ({today}): the history ends today")
    if first > last:
        return Refused(f"from ({first}) is after to ({last})")
    if (last - first).days + 1 > MAX_DAYS:
        return Refused(f"at most {MAX_DAYS} days at a time, asked for {(last - first).days + 1}")
    return HistoryQuery(region, first, last)


def history_days(query: HistoryQuery, dailies: Iterable, reference: Reference) -> list[dict]:
    """Per day: active participants summed over the given partitions' daily histories
    (DailyActive), with the workforce and the planned ratio of that day."""
    active = [0] * ((query.last - query.first).days + 1)
    for daily in dailies:
        for i, n in enumerate(daily.counts(query.region, query.first, query.last)):
            active[i] += n
    workforce: dict[int, int | None] = {}  # by year: the registry's figures are yearly
    days = []
    for i, n in enumerate(active):
        day = query.first + timedelta(days=i)
        if day.year not in workforce:
            workforce[day.year] = reference.workforce(query.region, day)
        days.append(
            dict(
                day=day.isoformat(),
                active=n,
                workforce=workforce[day.year],
                planned=reference.planned(query.region, day),
            )
        )
    return days


def history_body(
    query: HistoryQuery,
    tree: RegionTree,
    ownership: Ownership,
    partition_count: int,
    thresholds: StatusThresholds,
    days: list[dict],
) -> dict:
    return dict(
        region=query.region,
        name=tree.regions[query.region].name,
        level=tree.level_of(query.region),
        partitions=ownership.partitions,
        partition_count=partition_count,
        caught_up=ownership.caught_up,
        thresholds=asdict(thresholds),
        days=days,
    )
