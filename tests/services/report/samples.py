"""A small regency with two districts and a year of daily history, for the report's unit tests."""

from __future__ import annotations

from datetime import date, timedelta

from services.report.figures import PipelineNotes, WorkforceNote, build, children_from, period
from services.worker_client import History
from streams.domain.regions import Region, RegionTree
from streams.domain.trajectory import StatusThresholds, planned_ratio, region_figures

TREE = RegionTree.from_regions(
    [
        Region("61", None, "province", "Kalimantan Barat"),
        Region("61.07", "61", "regency", "Kabupaten Bengkayang"),
        Region("61.07.01", "61.07", "district", "Sungai Raya"),
        Region("61.07.02", "61.07", "district", "Capkala"),
    ]
)
PLAN = ((date(2025, 1, 1), 0.40), (date(2026, 12, 31), 0.60))
WORKFORCE = 10_000


def history(code: str, first: date, last: date, active, workforce: int | None = None) -> History:
    """`active(i)` participants on the i-th day from `first`."""
    days, rows = [], []
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        days.append(day.isoformat())
        rows.append(region_figures(code, active(i), workforce, planned_ratio(PLAN, day)))
    return History(code, TREE.regions[code].name, rows, days)


def report(month=date(2026, 5, 1), today=date(2026, 6, 30), outlook_row=None, pipeline=PipelineNotes(None, None)):
    p = period(month, today)
    return build(
        "61.07",
        TREE,
        p,
        today,
        history("61.07", p.history_from, p.day, lambda i: 4_000 + 3 * i, WORKFORCE),
        {
            "61.07.01": history("61.07.01", children_from(p), p.day, lambda i: 2_500 + i),
            "61.07.02": history("61.07.02", children_from(p), p.day, lambda i: 1_900 - 2 * i),
        },
        StatusThresholds(),
        PLAN,
        outlook_row,
        WorkforceNote(WORKFORCE, (2026,), False),
        pipeline,
    )
