import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.domain.regions import Region, RegionTree
from streams.domain.trajectory import (
    BEHIND_PP,
    CRITICAL_PP,
    DAYS_PER_MONTH,
    PACE_WINDOW_DAYS,
    StatusThresholds,
    assess,
    coverage_of,
    next_target,
    outlook,
    pace_per_day,
    plan_of,
    planned_ratio,
    region_figures,
)

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


def test_gap_in_points_is_rounded_once_for_every_reader():
    figures = region_figures("61", 5945, 10_000, 0.6)  # a gap of 0.55 pp, 0.5500000000000016 by float error
    assert figures.gap_pp == 0.55 and region_figures("61", 1, None, 0.6).gap_pp is None
    assert coverage_of(1, 4) == 0.25 and coverage_of(1, None) is None and coverage_of(1, 0) is None


def test_the_default_thresholds_are_the_named_constants():
    assert (
        StatusThresholds()
        == StatusThresholds(behind_pp=BEHIND_PP, critical_pp=CRITICAL_PP)
        == StatusThresholds(0.5, 5.0)
    )


def test_assess_judges_figures_and_outlook_from_one_pace():
    daily = [500] * PACE_WINDOW_DAYS + [490]  # lost 10 over the window: not gaining
    day = date(2025, 7, 1)
    figures, seen = assess("61", 490, daily, 1000, 0.5, PLAN, day)
    pace = pace_per_day(daily)
    assert figures == region_figures("61", 490, 1000, 0.5, StatusThresholds(), pace) and figures.status == "critical"
    assert seen == outlook(figures, pace, PLAN, day)


def test_thresholds_are_configurable():
    assert region_figures("61", 590, 1000, 0.6, StatusThresholds(behind_pp=2)).status == "on_track"


def test_behind_and_not_gaining_is_critical():
    thresholds = StatusThresholds()
    assert region_figures("61", 490, 1000, 0.5, thresholds, pace=0.5).status == "behind"
    assert region_figures("61", 490, 1000, 0.5, thresholds, pace=0.0).status == "critical"
    assert (
        region_figures("61", 499, 1000, 0.5, thresholds, pace=-3).status == "on_track"
    )  # the pace only matters when behind


def test_pace_is_the_net_change_per_day_over_thirty_days():
    assert pace_per_day([100] + [0] * 29 + [160]) == 2.0
    assert pace_per_day([5] * 30) is None  # not 31 days of history


def test_next_target_is_the_first_plan_point_after_today():
    assert next_target(PLAN, date(2025, 3, 1)) == (date(2025, 12, 31), 0.5956)
    assert next_target(PLAN, date(2024, 12, 31)) == (date(2025, 12, 31), 0.5956)
    assert next_target(PLAN, date(2026, 3, 1)) == (date(2026, 12, 31), 0.5956)  # past the plan: the budget year's end
    assert next_target(PLAN, date(2026, 12, 31)) == (date(2027, 12, 31), 0.5956)
    assert next_target([], date(2026, 3, 1)) == (None, None)


def test_outlook_of_a_region_behind_its_plan():
    day = date(2025, 12, 31) - timedelta(days=100)
    figures = region_figures("61", 4000, 10_000, 0.45)  # 500 workers behind today
    result = outlook(figures, pace=10.0, points=PLAN, day=day)
    missing = 5956 - 4000
    assert result.target_date == date(2025, 12, 31) and result.target_ratio == 0.5956
    assert result.eta == day + timedelta(days=196)  # 1,956 workers at 10 a day
    assert result.required_pace_per_day == pytest.approx(missing / 100)
    assert result.enrollments_needed_per_month == math.ceil(missing / 100 * DAYS_PER_MONTH)
    assert result.months_left == pytest.approx(100 / DAYS_PER_MONTH)
    assert result.budget_idr == round(500 * 16_800 * 100 / DAYS_PER_MONTH)  # 3.3 months left


def test_no_eta_without_progress_and_today_when_already_there():
    day = date(2025, 6, 1)
    assert outlook(region_figures("61", 4000, 10_000, 0.45), 0.0, PLAN, day).eta is None
    assert outlook(region_figures("61", 6000, 10_000, 0.45), -5.0, PLAN, day).eta == day
    assert outlook(region_figures("61", 6000, 10_000, 0.45), -5.0, PLAN, day).budget_idr == 0


@given(
    active=st.integers(0, 10**6),
    workforce=st.integers(1, 10**6),
    pace=st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
    day=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
)
def test_outlook_is_defined_for_any_pace(active, workforce, pace, day):
    result = outlook(region_figures("61", active, workforce, 0.5), pace, PLAN, day)
    assert result.eta is None or result.eta >= day
