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


def on_plan_workforce(
    active_by_regency: dict[str, int], planned: dict[str, float], margin: float = ON_PLAN_MARGIN
) -> dict[str, int]:
    """Eligible workforce that puts each regency `margin` above its planned ratio."""
    return {code: max(1, math.floor(active / (planned[code] + margin))) for code, active in active_by_regency.items()}


def workforce_csv(figures: dict[str, int], province: str, year: int) -> str:
    """Registry CSV of the regency figures and the province as their sum."""
    rows = [f"{province},{year},{sum(figures.values())}"] + [
        f"{code},{year},{n}" for code, n in sorted(figures.items())
    ]
    return "region_code,year,eligible_workforce\n" + "\n".join(rows) + "\n"


def cohort_size(regency_active: int, planned: float, margin: float = ON_PLAN_MARGIN) -> int:
    """Enough workers that losing them puts the regency about 4 points below plan."""
    workforce = regency_active / (planned + margin)
    return max(20, math.ceil((margin + 0.04) * workforce))


def cohort_niks(villages: list[str], size: int) -> list[str]:
    """Well-formed NIKs for the cohort, registered in the villages' districts (made up, one per worker)."""
    niks = []
    for i in range(size):
        province, regency, district = villages[i % len(villages)].split(".")[:3]
        day = 1 + i % 28 + (40 if i % 2 else 0)  # every other one a woman: day + 40
        month, year = 1 + (i // 28) % 12, 70 + i % 30
        niks.append(f"{province}{regency}{district}{day:02d}{month:02d}{year:02d}{1 + i % 9999:04d}")
    return niks


def cohort_enrollments(
    run: str, villages: list[str], participant_ids: list[str], today: date, now: datetime
) -> list[dict]:
    """Village apparatus enrolled for the whole year, spread over the regency's villages.

    Published by the demo's BPJS feed, which knows each worker by the pseudonym of their NIK.
    """
    return [
        _event(
            run,
            i,
            "enrolled",
            now,
            villages[i % len(villages)],
            participant_id=participant_id,
            source="ucj-demo",
            type="enrollment",
            covered_from=date(today.year, 1, 1).isoformat(),
            paid_through=date(today.year, 12, 31).isoformat(),
        )
        for i, participant_id in enumerate(participant_ids)
    ]


LAPSE_COLUMNS = (
    "schema",
    "event_id",
    "type",
    "occurred_at",
    "nik",
    "region_code",
    "segment",
    "reason",
    "effective_date",
)


def cohort_lapses_csv(run: str, villages: list[str], niks: list[str], today: date, now: datetime) -> str:
    """The same cohort lapsing for non-payment today, as a village administration's spreadsheet
    export (semicolons, as Indonesian-locale Excel writes them), workers named by NIK."""
    rows = [";".join(LAPSE_COLUMNS)]
    for i, nik in enumerate(niks):
        event = _event(
            run,
            i,
            "lapsed",
            now,
            villages[i % len(villages)],
            nik=nik,
            type="lapse",
            reason="non_payment",
            effective_date=today.isoformat(),
        )
        rows.append(";".join(str(event[column]) for column in LAPSE_COLUMNS))
    return "\r\n".join(rows) + "\r\n"


def _event(run: str, i: int, what: str, now: datetime, village: str, **fields) -> dict:
    return {
        "schema": "ucj.participant-event/1",
        "event_id": f"demo-{run}-{i}-{what}",
        "occurred_at": now.isoformat(),
        "region_code": village,
        "segment": "BPU",
        **fields,
    }
