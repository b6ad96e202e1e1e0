"""Registry: schema and seed data, region tree, workforce per year, plans."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url

from services.registry import (
    DEFAULT_PROVINCIAL_PLAN,
    SEED_WORKFORCE_YEARS,
    InitReport,
    Registry,
    RegistryNotInitialized,
)
from services.registry.registry import figure_for_year

REGENCIES = [f"61.{n:02d}" for n in range(1, 13)] + ["61.71", "61.72"]


def test_init_loads_every_region_of_the_province(registry_after_init: Registry) -> None:
    tree = registry_after_init.region_tree()

    counts = {level: len(tree.codes_at(level)) for level in ("province", "regency", "district", "village")}
    assert counts == {"province": 1, "regency": 14, "district": 174, "village": 2145}
    assert len(tree) == 2334
    assert tree.codes_at("regency") == REGENCIES
    assert tree.regions["61.71"].name == "Kota Pontianak"
    assert tree.self_and_ancestors("61.01.01.2001") == ("61.01.01.2001", "61.01.01", "61.01", "61")


def test_init_seeds_the_regency_estimate_for_each_seed_year(registry_after_init: Registry) -> None:
    figures = registry_after_init.workforce_figures()

    assert SEED_WORKFORCE_YEARS == (2024, 2025, 2026)
    assert sorted(figures) == [2024, 2025, 2026]
    for year in SEED_WORKFORCE_YEARS:
        assert sorted(figures[year]) == REGENCIES
        assert figures[year]["61.01"] == 196_080
        assert sum(figures[year].values()) == 1_700_000  # the BPJS denominator split by population


def test_init_seeds_the_default_provincial_plan(registry_after_init: Registry) -> None:
    assert registry_after_init.plans() == {
        "61": [
            (datetime.date(2024, 6, 1), 0.3539),
            (datetime.date(2024, 12, 31), 0.5014),
            (datetime.date(2025, 12, 31), 0.5956),
        ]
    }
    assert list(DEFAULT_PROVINCIAL_PLAN) == registry_after_init.plans()["61"]


def test_init_twice_adds_nothing(database_url: str) -> None:
    with Registry(database_url) as registry:
        first = registry.init()
        second = registry.init()
        assert first == InitReport(regions_added=2334, workforce_added=42, plan_points_added=3)
        assert second == InitReport(0, 0, 0)
        assert len(registry.region_tree()) == 2334
        assert sum(len(f) for f in registry.workforce_figures().values()) == 42
        assert len(registry.plans()["61"]) == 3


def test_init_keeps_figures_an_operator_loaded(registry: Registry, write_csv) -> None:
    registry.load_workforce_csv(write_csv("region_code,year,eligible_workforce\n61.01,2027,1000\n"))
    registry.load_plan_csv(write_csv("region_code,date,ratio\n61,2025-01-01,0.4\n"))
    workforce_before, plans_before = registry.workforce_figures(), registry.plans()

    assert registry.init() == InitReport(0, 0, 0)
    assert registry.workforce_figures() == workforce_before
    assert registry.plans() == plans_before == {"61": [(datetime.date(2025, 1, 1), 0.4)]}


def test_init_does_not_reseed_a_table_that_an_operator_filled(database_url: str, registry: Registry, write_csv) -> None:
    # Replacing 2024..2026 with one regency's figures leaves no seed years behind.
    registry.load_workforce_csv(
        write_csv("region_code,year,eligible_workforce\n61.01,2024,1\n61.01,2025,2\n61.01,2026,3\n"), replace_year=True
    )
    with Registry(database_url) as again:
        again.init()
        assert again.workforce_figures() == {2024: {"61.01": 1}, 2025: {"61.01": 2}, 2026: {"61.01": 3}}


def test_sqlite_file_goes_into_a_new_directory(tmp_path: Path) -> None:
    database = tmp_path / "a" / "b" / "registry.db"
    with Registry(f"sqlite:///{database}") as registry:
        registry.init()
    assert database.is_file()


def test_reading_before_init_says_to_run_init(database_url: str) -> None:
    with Registry(database_url) as registry:
        with pytest.raises(RegistryNotInitialized, match="ucj registry init"):
            registry.region_tree()
        with pytest.raises(RegistryNotInitialized):
            registry.workforce(2025)
    sqlite_file = make_url(database_url).database
    if database_url.startswith("sqlite"):
        assert not Path(sqlite_file).exists()  # reading must not leave an empty database behind


def test_workforce_falls_back_to_the_nearest_year(registry: Registry, write_csv) -> None:
    # 61.01 gets 2024 and 2026 figures of its own; those years' other figures are replaced,
    # so every other regency keeps only the 2025 seed figure.
    registry.load_workforce_csv(write_csv("region_code,year,eligible_workforce\n61.01,2024,1000\n61.01,2026,3000\n"))
    seed = registry.workforce(2025)["61.02"]

    assert registry.workforce(2024)["61.01"] == 1000
    assert registry.workforce(2025)["61.01"] == 196_080
    assert registry.workforce(2026)["61.01"] == 3000
    assert registry.workforce(2030)["61.01"] == 3000  # latest earlier year
    assert registry.workforce(2020)["61.01"] == 1000  # nothing earlier: earliest later year
    assert registry.workforce(2020)["61.02"] == registry.workforce(2030)["61.02"] == seed
    assert set(registry.workforce(2025)) == set(REGENCIES)  # regions without any figure are absent


@pytest.mark.parametrize(
    ("figures", "year", "expected"),
    [
        ({2024: 1, 2026: 3}, 2024, 1),
        ({2024: 1, 2026: 3}, 2025, 1),
        ({2024: 1, 2026: 3}, 2027, 3),
        ({2024: 1, 2026: 3}, 2023, 1),
        ({2026: 3}, 2000, 3),
    ],
)
def test_figure_for_year(figures: dict[int, int], year: int, expected: int) -> None:
    assert figure_for_year(figures, year) == expected


def test_plans_are_sorted_by_date(registry: Registry, write_csv) -> None:
    registry.load_plan_csv(
        write_csv("region_code,date,ratio\n61.07,2026-12-31,0.7\n61.07,2025-01-01,0.4\n61.07,2025-06-30,0.5\n")
    )

    assert registry.plans()["61.07"] == [
        (datetime.date(2025, 1, 1), 0.4),
        (datetime.date(2025, 6, 30), 0.5),
        (datetime.date(2026, 12, 31), 0.7),
    ]
