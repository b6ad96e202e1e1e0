from datetime import date

from streams.domain.cliff import CliffContribution, cliff_on, payer_group
from streams.domain.fold import Coverage, Interval

TODAY = date(2026, 11, 15)


def coverage(*intervals: Interval) -> Coverage:
    return Coverage(intervals, "61.07.01", "BPU")


def test_assistance_ending_at_the_budget_year_end_is_a_cliff_by_its_payer():
    c = coverage(Interval(date(2026, 1, 1), date(2026, 12, 31), "APBD-61.07"))
    assert cliff_on(c, TODAY) == CliffContribution("61.07.01", "APBD-61.07", date(2026, 12, 31))


def test_coverage_ending_beyond_the_horizon_is_no_cliff():
    assert cliff_on(coverage(Interval(date(2026, 1, 1), date(2027, 3, 1), "APBD-61")), TODAY) is None


def test_self_paid_coverage_renews_month_by_month_and_is_no_cliff():
    assert cliff_on(coverage(Interval(date(2026, 1, 1), date(2026, 11, 30), None)), TODAY) is None


def test_village_budgets_and_companies_are_grouped():
    c = coverage(Interval(date(2026, 1, 1), date(2026, 12, 31), "APBDES-61.07.01.2001"))
    assert cliff_on(c, TODAY).payer == "APBDES"
    assert [payer_group(p) for p in ("APBDES-61.07.01.2001", "CSR-PT-X", "APBD-61.07")] == [
        "APBDES",
        "CSR",
        "APBD-61.07",
    ]


def test_something_after_the_end_means_no_cliff():
    c = coverage(
        Interval(date(2026, 1, 1), date(2026, 11, 30), None), Interval(date(2027, 1, 1), date(2027, 12, 31), "CSR-X")
    )
    assert cliff_on(c, TODAY) is None


def test_assistance_extended_by_self_payment_is_no_cliff():
    c = coverage(
        Interval(date(2026, 1, 1), date(2026, 11, 10), "APBD-61"), Interval(date(2026, 11, 5), date(2026, 11, 30), None)
    )
    assert cliff_on(c, TODAY) is None


def test_participants_not_active_today_are_not_on_the_cliff():
    assert cliff_on(coverage(Interval(date(2026, 12, 1), date(2026, 12, 20), "APBD-61")), TODAY) is None
    assert cliff_on(coverage(Interval(date(2026, 1, 1), date(2026, 11, 14), "APBD-61")), TODAY) is None
