"""The demo's story: every regency put on plan, then one regency loses a cohort of workers.

The simulator feeds tens of thousands of participants, not the 1.7 million the province's
workforce needs, so the demo scales the workforce to what is simulated: each regency ends
just above its plan. A cohort of village apparatus enrolled in one regency then lapses for
non-payment, and that regency falls behind its trajectory.
"""
from __future__ import annotations

import math
from datetime import date, datetime

ON_PLAN_MARGIN = 0.015  # regencies start 1.5 percentage points above plan


def on_plan_workforce(active_by_regency: dict[str, int], planned: dict[str, float], margin: float = ON_PLAN_MARGIN) -> dict[str, int]:
    """Eligible workforce that puts each regency `margin` above its planned ratio."""
    return {code: max(1, math.floor(active / (planned[code] + margin))) for code, active in active_by_regency.items()}


def workforce_csv(figures: dict[str, int], province: str, year: int) -> str:
    """Registry CSV of the regency figures and the province as their sum."""
    rows = [f"{province},{year},{sum(figures.values())}"] + [f"{code},{year},{n}" for code, n in sorted(figures.items())]
    return "region_code,year,eligible_workforce\n" + "\n".join(rows) + "\n"


def cohort_size(regency_active: int, planned: float, margin: float = ON_PLAN_MARGIN) -> int:
    """Enough workers that losing them puts the regency about 4 points below plan."""
    workforce = regency_active / (planned + margin)
    return max(20, math.ceil((margin + 0.04) * workforce))


def cohort_enrollments(run: str, villages: list[str], size: int, today: date, now: datetime) -> list[dict]:
    """Village apparatus enrolled for the whole year, spread over the regency's villages."""
    return [
        _event(
            run,
            i,
            "enrolled",
            now,
            villages[i % len(villages)],
            type="enrollment",
            covered_from=date(today.year, 1, 1).isoformat(),
            paid_through=date(today.year, 12, 31).isoformat(),
        )
        for i in range(size)
    ]


def cohort_lapses(run: str, villages: list[str], size: int, today: date, now: datetime) -> list[dict]:
    """The same cohort lapsing for non-payment, effective today."""
    return [
        _event(run, i, "lapsed", now, villages[i % len(villages)], type="lapse", reason="non_payment", effective_date=today.isoformat())
        for i in range(size)
    ]


def _event(run: str, i: int, what: str, now: datetime, village: str, **fields) -> dict:
    return {
        "schema": "ucj.participant-event/1",
        "event_id": f"demo-{run}-{i}-{what}",
        "occurred_at": now.isoformat(),
        "participant_id": f"DEMO-{run}-{i:05d}",
        "region_code": village,
        "segment": "BPU",
        "source": "ucj-demo",
        **fields,
    }

