"""The alert wire format round-trips, so the notifier reads exactly what the worker decided."""

import json

import pytest

from streams.domain.alerts import ALERT_SCHEMA, alert_from_wire, alert_to_wire
from tests.services.notifier.samples import alert, lapse_cliff_alert


@pytest.mark.parametrize("transition", [lapse_cliff_alert(), alert(), alert(history=())])
def test_alert_round_trips_through_json(transition):
    wire = json.loads(json.dumps(alert_to_wire(transition)))
    assert wire["schema"] == ALERT_SCHEMA
    assert alert_from_wire(wire) == transition


def test_other_schemas_are_refused():
    with pytest.raises(ValueError, match="schema"):
        alert_from_wire({"schema": "something/else"})


def test_alert_figures_are_the_domains_figures_and_outlook_by_name():
    from dataclasses import fields
    from datetime import date

    from streams.domain.alerts import AlertFigures, alert_figures
    from streams.domain.trajectory import Outlook, StatusThresholds, region_figures

    figures = region_figures("61.07", 490, 1000, 0.5, StatusThresholds(), pace=0.0)
    outlook = Outlook(1.5, date(2025, 12, 31), 0.6, date(2026, 3, 1), 2.5, 46, 6.0, 1_000)
    made = alert_figures(date(2025, 7, 1), figures, outlook)
    assert made.day == date(2025, 7, 1)
    for name in (f.name for f in fields(AlertFigures) if f.name != "day"):
        expected = getattr(outlook, name) if hasattr(outlook, name) else getattr(figures, name)
        assert getattr(made, name) == expected, name
    assert made.gap_pp == figures.gap_pp and made.budget_idr == 1_000 and made.pace_per_day == 1.5
