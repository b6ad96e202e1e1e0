"""Alert transitions for notifier tests, built the way the worker builds them."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

from streams.domain.alerts import AlertFigures, AlertTransition, HistoryPoint, LapseCliff

WIB_PONTIANAK = timezone(timedelta(hours=7))
BENGKAYANG = "61.07"
SINGKAWANG = "61.72"


def figures(**changes) -> AlertFigures:
    base = AlertFigures(
        day=date(2026, 6, 30),
        active=60_000,
        workforce=150_000,
        coverage=0.40,
        planned=0.45,
        gap_pp=5.0,
        gap_workers=100,
        pace_per_day=12.5,
        target_date=date(2026, 12, 31),
        target_ratio=0.5956,
        eta=date(2027, 3, 3),
        required_pace_per_day=40.2,
        enrollments_needed_per_month=1_206,
        months_left=6.0,
        budget_idr=100 * 16_800 * 6,
    )
    return dataclasses.replace(base, **changes)


def history(days: int = 30) -> tuple[HistoryPoint, ...]:
    start = date(2026, 6, 30) - timedelta(days=days - 1)
    return tuple(
        HistoryPoint(day=start + timedelta(days=i), coverage=0.38 + 0.0007 * i, planned=0.44 + 0.0004 * i)
        for i in range(days)
    )


def alert(
    region_code: str = BENGKAYANG,
    *,
    transition: str = "raised",
    sequence: int | None = None,
    episode: int = 1,
    kind: str = "coverage_status",
    status: str = "behind",
    previous_status: str | None = None,
    region_name: str | None = None,
    at: datetime | None = None,
    **changes,
) -> AlertTransition:
    sequence = sequence or {"raised": 1, "updated": 2, "resolved": 3}[transition]
    level = "province" if region_code == "61" else ("regency" if region_code.count(".") == 1 else "district")
    alert_id = f"{kind}:{region_code}:{episode}"
    return AlertTransition(
        alert_id=alert_id,
        transition_id=f"{alert_id}:{sequence}",
        sequence=sequence,
        kind=kind,
        transition=transition,
        region_code=region_code,
        region_name=region_name
        or {"61": "Kalimantan Barat", BENGKAYANG: "Bengkayang", SINGKAWANG: "Kota Singkawang"}.get(
            region_code, region_code
        ),
        level=level,
        regency_code=None if level == "province" else ".".join(region_code.split(".")[:2]),
        status=status,
        previous_status=previous_status
        if previous_status is not None
        else ("on_track" if transition == "raised" else "behind"),
        at=at or datetime(2026, 6, 30, 8, 0, tzinfo=WIB_PONTIANAK),
        **{"figures": figures(), "history": history(), **changes},
    )


def lapse_cliff_alert(**changes) -> AlertTransition:
    cliff = LapseCliff(
        horizon_days=60,
        participants=1_234,
        by_payer={"APBD-61": 1_000, "self_paid": 234},
        first_end=date(2026, 8, 31),
        coverage_after=0.3918,
        status_after="critical",
    )
    return alert(
        kind="lapse_cliff",
        status="on_track",
        lapse_cliff=cliff,
        figures=figures(gap_pp=-0.3, gap_workers=-450, budget_idr=None, enrollments_needed_per_month=0),
        **changes,
    )
