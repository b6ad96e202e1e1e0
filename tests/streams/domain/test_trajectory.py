from datetime import date

import pytest

from streams.domain.regions import Region, RegionTree
from streams.domain.trajectory import StatusThresholds, plan_of, planned_ratio, region_figures

PLAN = [(date(2024, 6, 1), 0.3539), (date(2024, 12, 31), 0.5014), (date(2025, 12, 31), 0.5956)]
TREE = RegionTree.from_regions([Region("61", None, "province", "K"), Region("61.07", "61", "regency", "B")])


def test_plan_is_flat_outside_and_linear_between_points():
    assert planned_ratio(PLAN, date(2020, 1, 1)) == 0.3539
    assert planned_ratio(PLAN, date(2030, 1, 1)) == 0.5956
    assert planned_ratio(PLAN, date(2024, 12, 31)) == 0.5014
    midway = date(2025, 7, 2)  # 183 of 365 days
    assert planned_ratio(PLAN, midway) == pytest.approx(0.5014 + (0.5956 - 0.5014) * 183 / 365)
    assert planned_ratio([], date(2025, 1, 1)) is None


def test_region_without_plan_inherits_its_parent():
    assert plan_of("61.07", {"61": PLAN}, TREE) == PLAN
    own = [(date(2025, 1, 1), 0.4)]
    assert plan_of("61.07", {"61": PLAN, "61.07": own}, TREE) == own


@pytest.mark.parametrize(
    "active, status",
    [(600, "on_track"), (595, "on_track"), (594, "behind"), (551, "behind"), (549, "critical")],
)
def test_status_thresholds(active, status):
    # workforce 1000, plan 0.6: gap 0.5 pp is still on track, above 5 pp critical
    assert region_figures("61", active, 1000, 0.6).status == status


def test_gap_workers_rounds_up_and_is_negative_when_ahead():
    figures = region_figures("61", 333, 1000, 0.5)
    assert figures.gap_workers == 167 and figures.coverage == 0.333
    assert region_figures("61", 700, 1000, 0.5).gap_workers == -200


def test_no_workforce_means_no_ratio():
    figures = region_figures("61.07.01", 12, None, 0.5)
    assert figures.coverage is None and figures.status is None and figures.active == 12


def test_thresholds_are_configurable():
    assert region_figures("61", 590, 1000, 0.6, StatusThresholds(behind_pp=2)).status == "on_track"
