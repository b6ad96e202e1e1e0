"""GET /status rows: every outlook figure of the domain, and one status."""

from streams.domain.trajectory import StatusThresholds


def test_status_rows_carry_every_outlook_figure_and_one_status():
    from datetime import date

    from streams.domain.trajectory import Outlook, region_figures
    from streams.stage import RegionReport
    from streams.status_page import outlook_row

    figures = region_figures("61", 490, 1000, 0.5, StatusThresholds(), pace=0.0)
    outlook = Outlook(0.0, date(2025, 12, 31), 0.6, None, 1.5, 46, 6.0, 1_000)
    row = outlook_row(RegionReport(date(2025, 7, 1), figures, outlook, None, "on_track", [490]))
    assert row["status"] == "critical"  # with the pace rule
    assert row["target_date"] == "2025-12-31" and row["eta"] is None and row["budget_idr"] == 1_000
    assert {
        "pace_per_day",
        "required_pace_per_day",
        "enrollments_needed_per_month",
        "months_left",
        "target_ratio",
    } <= set(row)
    assert row["lapse_cliff"] is None and row["lapse_cliff_by_payer"] == {}
