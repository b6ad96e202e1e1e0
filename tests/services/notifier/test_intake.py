"""From alert messages to delivery log rows, against a real registry (SQLite)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.notifier import payloads
from services.notifier.intake import Intake, IntakeSettings, InvalidAlert, parse_alert
from services.notifier.metrics import NotifierMetrics
from streams.domain.alerts import alert_to_wire
from tests.services.notifier.samples import BENGKAYANG, SINGKAWANG, alert


def wire(transition) -> bytes:
    return json.dumps(alert_to_wire(transition)).encode()


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b'{"schema": "ucj.coverage-alert/1"}',
        b'{"schema": "other/1"}',
        json.dumps({**alert_to_wire(alert()), "kind": "weather"}).encode(),
        json.dumps({**alert_to_wire(alert()), "at": "yesterday"}).encode(),
        json.dumps({**alert_to_wire(alert()), "figures": None}).encode(),
    ],
)
def test_invalid_messages_are_rejected_with_a_reason(value):
    with pytest.raises(InvalidAlert):
        parse_alert(value)


def test_the_wire_form_round_trips():
    assert parse_alert(wire(alert())) == alert()


@pytest.fixture
def coordinators(registry):
    registry.add_coordinator(
        "Disnaker Bengkayang", BENGKAYANG, email="disnaker@bengkayang.go.id", webhook_url="http://hooks.example/bky"
    )
    registry.add_coordinator("Bappeda Bengkayang", BENGKAYANG, email="bappeda@bengkayang.go.id", language="en")
    registry.add_coordinator("Kota Singkawang", SINGKAWANG, email="kota@singkawang.go.id")
    registry.add_coordinator("Operasional Provinsi", "61", email="ops@kalbarprov.go.id")
    return registry


def make_intake(registry, **settings):
    metrics = NotifierMetrics()
    now = alert().at + timedelta(minutes=5)
    return Intake(registry, IntakeSettings(**settings), metrics, clock=lambda: now), metrics


def test_deliveries_are_written_once_per_transition_channel_and_recipient(coordinators):
    intake, metrics = make_intake(coordinators, alertmanager_url="http://am:9093")
    raised = alert(BENGKAYANG)
    assert intake.handle([("p0@1", wire(raised)), ("p0@2", b"garbage"), ("p0@3", wire(raised))]) == 4
    rows = coordinators.deliveries(transition_id=raised.transition_id)
    assert sorted((r.channel, r.recipient) for r in rows) == [
        ("alertmanager", "http://am:9093"),
        ("email", "bappeda@bengkayang.go.id"),
        ("email", "disnaker@bengkayang.go.id"),
        ("webhook", "http://hooks.example/bky"),
    ]
    languages = {r.recipient: payloads.decode(r.payload).language for r in rows}
    assert languages["bappeda@bengkayang.go.id"] == "en" and languages["disnaker@bengkayang.go.id"] == "id"
    assert all(payloads.decode(r.payload).alert == raised for r in rows)
    # read again (a restart before the offset commit): nothing new
    assert intake.handle([("p0@1", wire(raised))]) == 0
    assert metrics.registry.get_sample_value("ucj_notifier_invalid_alerts_total") == 1
    assert (
        metrics.registry.get_sample_value(
            "ucj_notifier_alerts_consumed_total", {"kind": "coverage_status", "transition": "raised"}
        )
        == 3
    )


def test_province_alerts_go_to_operations_and_other_regions_get_nothing(coordinators):
    intake, _ = make_intake(coordinators)
    intake.handle([("p0@1", wire(alert("61")))])
    assert [r.recipient for r in coordinators.deliveries()] == ["ops@kalbarprov.go.id"]
    intake.handle([("p0@2", wire(alert("61.04")))])  # Kapuas Hulu has no coordinator
    assert len(coordinators.deliveries()) == 1


def test_old_transitions_are_skipped(coordinators):
    intake, _ = make_intake(coordinators, max_alert_age=timedelta(days=7))
    old = alert(BENGKAYANG, at=alert().at - timedelta(days=8))
    assert intake.handle([("p0@1", wire(old))]) == 0
    assert coordinators.deliveries() == []
