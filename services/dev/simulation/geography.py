"""Kalimantan Barat regions and regency workforce, loaded from the package's reference CSVs."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from services.dev.simulation.mix import DISTRICT_LEVEL_SHARE, REGENCY_LEVEL_SHARE
from services.dev.simulation.sampling import WeightedChoice

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_REGIONS_CSV = DATA_DIR / "kalbar_regions.csv"
DEFAULT_REGENCIES_CSV = DATA_DIR / "kalbar_regencies.csv"


@dataclass(frozen=True)
class Geography:
    parents: dict[str, str | None]  # every known region code -> its parent code
    workforce: dict[str, int]  # regency code -> eligible workforce estimate
    villages: dict[str, tuple[str, ...]]  # regency code -> its village codes

    def __contains__(self, code: object) -> bool:
        return code in self.parents

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.parents)


def is_desa(code: str) -> bool:
    """A rural village with its own budget (APBDes); kelurahan (last part 1xxx) have none."""
    return code.count(".") == 3 and code.rsplit(".", 1)[1].startswith("2")


def load_geography(regions_csv: Path = DEFAULT_REGIONS_CSV, regencies_csv: Path = DEFAULT_REGENCIES_CSV) -> Geography:
    parents: dict[str, str | None] = {}
    villages: dict[str, list[str]] = {}
    with open(regions_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            parents[row["code"]] = row["parent"] or None
            if row["level"] == "village":
                villages.setdefault(row["code"][:5], []).append(row["code"])
    workforce: dict[str, int] = {}
    with open(regencies_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            workforce[row["code"]] = int(row["eligible_workforce_estimate"])
    for regency in workforce:
        if regency not in parents or not villages.get(regency):
            raise ValueError(f"regency {regency} has no villages in {regions_csv}")
    return Geography(parents, workforce, {r: tuple(sorted(villages[r])) for r in workforce})


class RegionSampler:
    """Home regions: regency in proportion to eligible workforce, then a uniform village."""

    def __init__(self, geography: Geography):
        self.geography = geography
        self.regencies = WeightedChoice(geography.workforce)

    def draw(self, rng: random.Random) -> str:
        village = rng.choice(self.geography.villages[self.regencies.pick(rng)])
        roll = rng.random()
        if roll < REGENCY_LEVEL_SHARE:
            return village[:5]
        if roll < REGENCY_LEVEL_SHARE + DISTRICT_LEVEL_SHARE:
            return self.geography.parents[village] or village
        return village
