"""GET /status: the JSON of one worker's counts, figures and the region stage's outlook (Kafka-free)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Iterable, Mapping

from .domain.regions import RegionTree
from .domain.trajectory import RegionFigures, StatusThresholds
from .stage import RegionReport

STATUS_LEVELS = ("province", "regency")  # the rows of /status; /history answers for any counted level


@dataclasses.dataclass(frozen=True)
class Ownership:
    """What one worker counts: each worker's pages cover only its own partitions."""

    partitions: list[int]  # the event partitions it owns, recovered
    caught_up: list[int]  # those whose counts include everything that was waiting for them


def status_body(
    figures: Iterable[RegionFigures],
    tree: RegionTree,
    reports: Mapping[str, RegionReport],
    day: date,
    ownership: Ownership,
    stage: Mapping[str, bool],
    next_offsets: Mapping[tuple[str, int], int],
    thresholds: StatusThresholds,
) -> dict:
    rows = [
        dict(
            region=f.region,
            name=tree.regions[f.region].name,
            level=tree.level_of(f.region),
            active=f.active,
            workforce=f.workforce,
            coverage=f.coverage,
            planned=f.planned,
            gap=f.gap,
            gap_workers=f.gap_workers,
            # from the region stage (every partition), on the worker that runs it: the one
            # status of the region (with the pace rule), the pace, the ETA, the budget
            outlook=outlook_row(reports.get(f.region)),
        )
        for f in figures
        if tree.level_of(f.region) in STATUS_LEVELS
    ]
    return dict(
        day=day.isoformat(),
        partitions=ownership.partitions,
        caught_up=ownership.caught_up,
        stage=dict(stage),
        next_offsets=[[topic, partition, offset] for (topic, partition), offset in sorted(next_offsets.items())],
        thresholds=dataclasses.asdict(thresholds),
        regions=rows,
    )


def outlook_row(report: RegionReport | None) -> dict | None:
    """Every figure of the region stage's Outlook (dates as ISO text), the status and the lapse cliff:
    a figure added to the domain's Outlook reaches `/status` without a change here."""
    if report is None:
        return None
    row = {
        field.name: value.isoformat() if isinstance(value, date) else value
        for field in dataclasses.fields(report.outlook)
        for value in [getattr(report.outlook, field.name)]
    }
    return dict(
        row,
        status=report.figures.status,  # the region's one status, with the pace rule
        lapse_cliff=report.cliff and report.cliff.participants,
        # the same participants by payer group (APBD-61, APBD-61.07, APBDES, CSR); {} when no cliff
        lapse_cliff_by_payer=dict(report.cliff.by_payer) if report.cliff else {},
    )
