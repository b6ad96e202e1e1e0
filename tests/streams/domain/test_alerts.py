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
