from datetime import timedelta

from services.notifier.alertmanager import ZERO_TIME, api_alerts, fingerprint, labels, webhook_v4
from services.notifier.messages import render
from tests.services.notifier.samples import alert, lapse_cliff_alert


def test_labels():
    assert labels(alert()) == {
        "alertname": "UCJCoverageBehind",
        "region": "61.07",
        "regency": "61.07",
        "level": "regency",
        "status": "behind",
        "kind": "coverage_status",
        "alert_id": "coverage_status:61.07:1",
    }
    assert labels(lapse_cliff_alert())["alertname"] == "UCJLapseCliff"
    province = labels(alert("61"))
    assert province["level"] == "province" and province["regency"] == ""
    # a resolution is labelled with the status it ends
    assert labels(alert(transition="resolved", status="on_track", previous_status="critical"))["status"] == "critical"


def test_api_raised_fires_with_an_end_far_ahead():
    raised = alert()
    [body] = api_alerts(raised, render(raised, "id"), generator_url="http://g/d", firing_ttl=timedelta(days=30))
    assert body["labels"]["status"] == "behind"
    assert body["startsAt"] == "2026-06-30T01:00:00Z"
    assert body["endsAt"] == "2026-07-30T01:00:00Z"
    assert body["annotations"]["summary"] == "[UCJ] Bengkayang: tertinggal — peringatan dibuka"
    assert "Kesenjangan" in body["annotations"]["description"]
    assert body["generatorURL"] == "http://g/d"


def test_api_escalation_fires_the_new_status_and_ends_the_others():
    updated = alert(transition="updated", status="critical", previous_status="behind")
    bodies = api_alerts(updated, render(updated, "en"))
    assert bodies[0]["labels"]["status"] == "critical" and bodies[0]["endsAt"] > bodies[0]["startsAt"]
    ended = {b["labels"]["status"]: b for b in bodies[1:]}
    assert set(ended) == {"on_track", "behind"}
    assert all(b["endsAt"] == b["startsAt"] == "2026-06-30T01:00:00Z" for b in ended.values())


def test_api_resolution_ends_every_status_of_the_episode():
    resolved = alert(transition="resolved", status="on_track", previous_status="behind")
    bodies = api_alerts(resolved, render(resolved, "en"))
    assert sorted(b["labels"]["status"] for b in bodies) == ["behind", "critical", "on_track"]
    assert all(b["endsAt"] == "2026-06-30T01:00:00Z" for b in bodies)
    assert {b["labels"]["alert_id"] for b in bodies} == {"coverage_status:61.07:1"}


def test_webhook_v4_body():
    raised = alert()
    body = webhook_v4(raised, render(raised, "id", "http://grafana:3000"), external_url="http://grafana:3000")
    assert body["version"] == "4"
    assert body["status"] == "firing"
    assert body["truncatedAlerts"] == 0
    assert body["receiver"] == "ucj-notifier"
    assert body["groupKey"] == '{}:{alert_id="coverage_status:61.07:1"}'
    assert body["groupLabels"] == {"alert_id": "coverage_status:61.07:1"}
    assert body["commonLabels"] == labels(raised)
    assert body["commonAnnotations"]["summary"].startswith("[UCJ] Bengkayang")
    assert body["externalURL"] == "http://grafana:3000"
    [item] = body["alerts"]
    assert item["status"] == "firing" and item["endsAt"] == ZERO_TIME
    assert item["startsAt"] == "2026-06-30T01:00:00Z"
    assert item["generatorURL"] == "http://grafana:3000/d/ucj-regency?var-regency=61.07"
    assert item["fingerprint"] == fingerprint(labels(raised)) and len(item["fingerprint"]) == 16

    resolved = alert(transition="resolved", status="on_track")
    body = webhook_v4(resolved, render(resolved, "id"))
    assert body["status"] == "resolved" and body["alerts"][0]["status"] == "resolved"
    assert body["alerts"][0]["endsAt"] == "2026-06-30T01:00:00Z"


def test_fingerprint_is_alertmanagers():
    assert fingerprint({}) == "cbf29ce484222325"  # FNV-1a 64 offset basis: Prometheus' empty label set
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint({"a": "1"}) != fingerprint({"a": "2"})
