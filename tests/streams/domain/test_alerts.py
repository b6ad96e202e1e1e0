"""The alert wire format round-trips, so the notifier reads exactly what the worker decided."""
import json
from datetime import date, datetime

import pytest

from streams.domain.alerts import (
    ALERT_SCHEMA,
    AlertFigures,
    AlertTransition,
    HistoryPoint,
    LapseCliff,
    alert_from_wire,
    alert_to_wire,
)
from streams.domain.events import PONTIANAK


def sample_alert(**overrides) -> AlertTransition:
    values = dict(
        alert_id="coverage_status:61.07:1",
        transition_id="coverage_status:61.07:1:1",
        sequence=1,
        kind="coverage_status",
        transition="raised",
        region_code="61.07",
        region_name="Bengkayang",
        level="regency",
        regency_code="61.07",
        status="behind",
        previous_status="on_track",
        at=datetime(2026, 6, 30, 12, 0, tzinfo=PONTIANAK),
        figures=AlertFigures(
            day=date(2026, 6, 30),
            active=1200,
            workforce=10000,
            coverage=0.12,
            planned=0.13,
            gap_pp=1.0,
            gap_workers=100,
            pace_per_day=-1.5,
            target_date=date(2026, 12, 31),
            target_ratio=0.2,
            eta=None,
            required_pace_per_day=4.3,
            enrollments_needed_per_month=131,
            months_left=6.0,
            budget_idr=10_080_000,
        ),
        lapse_cliff=LapseCliff(
            horizon_days=60,
            participants=40,
            by_payer={"APBD-61.07": 30, "self_paid": 10},
            first_end=date(2026, 7, 31),
            coverage_after=0.116,
            status_after="behind",
        ),
        history=(HistoryPoint(day=date(2026, 6, 29), coverage=0.121, planned=0.129),),
    )
    values.update(overrides)
    return AlertTransition(**values)


@pytest.mark.parametrize("alert", [sample_alert(), sample_alert(lapse_cliff=None, history=())])
def test_alert_round_trips_through_json(alert):
    wire = json.loads(json.dumps(alert_to_wire(alert)))
    assert wire["schema"] == ALERT_SCHEMA
    assert alert_from_wire(wire) == alert


def test_other_schemas_are_refused():
    with pytest.raises(ValueError, match="schema"):
        alert_from_wire({"schema": "something/else"})
