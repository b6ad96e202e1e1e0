"""Seed data shipped with the package (see services/data/ATTRIBUTION.md)."""

from __future__ import annotations

import csv
import datetime
from importlib.resources import files

from streams.domain.regions import Region

PROVINCE_CODE = "61"

# Years that `init` fills with the per-regency estimate, until operators load official figures.
SEED_WORKFORCE_YEARS = (2024, 2025, 2026)

# Default provincial plan from public targets (design note, "Plan").
DEFAULT_PROVINCIAL_PLAN: tuple[tuple[datetime.date, float], ...] = (
    (datetime.date(2024, 6, 1), 0.3539),  # measured baseline
    (datetime.date(2024, 12, 31), 0.5014),  # 2024 target
    (datetime.date(2025, 12, 31), 0.5956),  # Pergub 29/2024
)


def _read_data_csv(name: str) -> list[dict[str, str]]:
    text = files("services").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def seed_regions() -> list[Region]:
    """Every region of Kalimantan Barat, parents before children."""
    return [
        Region(code=row["code"], parent=row["parent"] or None, level=row["level"], name=row["name"])
        for row in _read_data_csv("kalbar_regions.csv")
    ]


def seed_workforce_estimates() -> dict[str, int]:
    """Estimated eligible workforce per regency (the same figure is used for every seed year)."""
    return {row["code"]: int(row["eligible_workforce_estimate"]) for row in _read_data_csv("kalbar_regencies.csv")}


def regency_seats() -> dict[str, tuple[str, float, float]]:
    """Each regency's seat (the town) with its latitude and longitude, for map panels."""
    return {
        row["code"]: (row["seat"], float(row["seat_lat"]), float(row["seat_lon"]))
        for row in _read_data_csv("kalbar_regencies.csv")
    }
