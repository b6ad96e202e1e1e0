from datetime import date

import pytest

from services.report.figures import ReportRefused, period, workforce_note
from streams.domain.trajectory import outlook, pace_per_day, region_figures
from tests.services.report.samples import PLAN, TREE, WORKFORCE, report


def test_a_past_month_is_reported_at_its_end_against_the_previous_month_end():
    p = period(date(2026, 5, 1), date(2026, 6, 30))
    assert (p.day, p.previous, p.current, p.chart_from) == (
        date(2026, 5, 31),
        date(2026, 4, 30),
        False,
        date(2025, 6, 1),
    )
    assert p.history_from == date(2025, 6, 1)


def test_the_current_month_is_reported_today():
    p = period(date(2026, 6, 1), date(2026, 6, 12))
    assert (p.day, p.previous, p.current) == (date(2026, 6, 12), date(2026, 5, 31), True)


def test_a_future_month_is_refused_in_one_sentence():
    with pytest.raises(ReportRefused, match="2026-07 is in the future"):
        period(date(2026, 7, 1), date(2026, 6, 30))


def test_headline_change_and_outlook_come_from_the_history_with_the_domain_functions():
    data = report()
    # the regency's history starts 2025-06-01 with 4,000 and gains 3 a day
    end = (date(2026, 5, 31) - date(2025, 6, 1)).days
    assert data.figures.active == 4_000 + 3 * end
    assert data.change == 3 * 31  # May has 31 days
    pace = pace_per_day([4_000 + 3 * i for i in range(end + 1)])
    assert pace == 3
    expected = region_figures("61.07", data.figures.active, WORKFORCE, data.figures.planned, pace=pace)
    assert data.figures == expected
    assert data.outlook == outlook(expected, pace, PLAN, date(2026, 5, 31))
    assert data.target == (2026, 0.60)
    assert data.history[0].day == date(2025, 6, 1) and data.history[-1].day == date(2026, 5, 31)


def test_districts_without_workforce_sort_by_the_change_largest_fall_first():
    data = report()
    assert [row.code for row in data.children] == ["61.07.02", "61.07.01"]
    assert data.children_without_workforce == 2
    fall = data.children[0]
    assert fall.change < 0 and fall.figures.coverage is None and fall.figures.status is None


def test_the_cliff_is_read_from_the_stage_outlook_row_largest_payer_first():
    row = dict(lapse_cliff=40, lapse_cliff_by_payer={"APBD-61": 10, "APBD-61.07": 30})
    cliff = report(outlook_row=row).cliff
    assert cliff.participants == 40 and cliff.by_payer == (("APBD-61.07", 30), ("APBD-61", 10))
    assert cliff.as_of == date(2026, 6, 30)
    assert report(outlook_row=None).cliff is None  # no region stage: unknown, not zero
    assert report(outlook_row=dict(lapse_cliff=None, lapse_cliff_by_payer={})).cliff.participants == 0


def test_workforce_note_names_the_years_used_and_whether_they_are_the_estimate():
    estimates = {"61.07": 500}
    figures = {2024: {"61.07": 500}, 2025: {"61.07": 500}}
    assert workforce_note("61.07", TREE, figures, 2026, 500, estimates, (2024, 2025, 2026)).years == (2025,)
    assert workforce_note("61.07", TREE, figures, 2026, 500, estimates, (2024, 2025, 2026)).estimate
    loaded = workforce_note("61.07", TREE, {2026: {"61.07": 700}}, 2026, 700, estimates, (2026,))
    assert (loaded.years, loaded.estimate) == ((2026,), False)
    # the province adds up its regencies
    assert workforce_note("61", TREE, figures, 2025, 500, estimates, (2025,)).years == (2025,)
    assert workforce_note("61.07.01", TREE, figures, 2025, None, estimates, (2025,)).years == ()
