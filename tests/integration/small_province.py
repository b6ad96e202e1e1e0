"""A small province for alert tests: 100 eligible workers per regency against a flat 50% plan,
so a few events move a status; and builders of its events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.registry import Registry
from tests.streams.domain.factories import wire
from tests.tools import copy_registry

REGENCIES = [
    "61.01",
    "61.02",
    "61.03",
    "61.04",
    "61.05",
    "61.06",
    "61.07",
    "61.08",
    "61.09",
    "61.10",
    "61.11",
    "61.12",
    "61.71",
    "61.72",
]
BEHIND, CLIFF = "61.07", "61.72"  # Bengkayang falls behind; Kota Singkawang's assistance ends soon
VILLAGE = {"61.07": "61.07.01.2001", "61.72": "61.72.01.1001"}
HOLD_SECONDS = 10  # the shortest the worker takes: two partial intervals, so a status outlasts a fresh figure
HOLD = ("--alert-hold", f"{HOLD_SECONDS}s")


@pytest.fixture
def small_registry(registry_template: Path, tmp_path: Path) -> str:
    """100 eligible workers per regency and a flat plan of 50%: a few events move a status."""
    url = copy_registry(registry_template, tmp_path / "registry.db")
    with Registry(url) as registry:
        workforce = tmp_path / "workforce.csv"
        workforce.write_text(
            "region_code,year,eligible_workforce\n" + "".join(f"{code},2026,100\n" for code in REGENCIES)
        )
        registry.load_workforce_csv(workforce)
        plan = tmp_path / "plan.csv"
        plan.write_text("region_code,date,ratio\n61,2026-01-01,0.5\n61,2026-12-31,0.5\n")
        registry.load_plan_csv(plan)
        tree = registry.region_tree()
    VILLAGE.update(
        {
            code: next(c for c in tree.codes_at("village") if c.startswith(code + "."))
            for code in REGENCIES
            if code not in VILLAGE
        }
    )
    return url


class Record:
    def __init__(self, event: dict):
        self.key, self.value = event["participant_id"].encode(), json.dumps(event).encode()


def enrolled(regency: str, n: int, prefix: str = "P", **fields) -> list[Record]:
    common = dict(
        occurred_at="2026-06-01T09:00:00+07:00",
        region_code=VILLAGE[regency],
        covered_from="2026-01-01",
        paid_through="2026-12-31",
    )
    common.update(fields)
    return [
        Record(wire(event_id=f"{prefix}-{regency}-{i}-e", participant_id=f"{prefix}-{regency}-{i}", **common))
        for i in range(n)
    ]


def assisted_until(regency: str, n: int, last_day: str) -> list[Record]:
    common = dict(
        occurred_at="2026-06-01T09:00:00+07:00",
        region_code=VILLAGE[regency],
        payer_id=f"APBD-{regency}",
        period_start="2026-01-01",
        period_end=last_day,
    )
    return [
        Record(wire("assistance_payment", event_id=f"A-{regency}-{i}-e", participant_id=f"A-{regency}-{i}", **common))
        for i in range(n)
    ]


def lapsed(regency: str, n: int, prefix: str = "P", on: str = "2026-06-30") -> list[Record]:
    """The first `n` participants `enrolled` with `prefix` lapse for non-payment `on` that day."""
    common = dict(
        occurred_at=f"{on}T09:00:00+07:00", region_code=VILLAGE[regency], reason="non_payment", effective_date=on
    )
    return [
        Record(
            wire("lapse", event_id=f"{prefix}-{regency}-{i}-lapse", participant_id=f"{prefix}-{regency}-{i}", **common)
        )
        for i in range(n)
    ]


def statuses(worker) -> dict[str, str]:
    samples = worker.metrics().get("ucj_region_status", [])
    return {s.labels["region"]: s.labels["status"] for s in samples if s.value == 1.0}


def all_on_track(worker) -> dict[str, str] | None:
    """The statuses once the province and every regency have one and the province is on track."""
    found = statuses(worker)
    return found if found.get("61") == "on_track" and len(found) >= 15 else None
