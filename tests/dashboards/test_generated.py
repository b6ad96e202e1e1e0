"""The committed dashboard JSON is what the generator makes, and is well formed."""

from __future__ import annotations

import json

import pytest

from dashboards.build import GENERATED, dashboards, text_of

EXPECTED = {"ucj-province": "Province overview", "ucj-regency": "Regency drill-down", "ucj-pipeline": "Pipeline health"}


def test_the_committed_json_is_up_to_date():
    stale = [
        uid
        for uid, dashboard in dashboards().items()
        if not (GENERATED / f"{uid}.json").exists()
        or (GENERATED / f"{uid}.json").read_text(encoding="utf-8") != text_of(dashboard)
    ]
    assert not stale, (
        f"dashboards/generated is stale for {stale}: run `python -m dashboards.build` and commit the result"
    )
    assert sorted(p.stem for p in GENERATED.glob("*.json")) == sorted(EXPECTED), (
        "a JSON file with no generator left in dashboards/generated"
    )


@pytest.mark.parametrize("uid", sorted(EXPECTED))
def test_every_panel_queries_prometheus_by_uid(uid):
    dashboard = json.loads((GENERATED / f"{uid}.json").read_text(encoding="utf-8"))
    assert dashboard["uid"] == uid and dashboard["title"] == EXPECTED[uid]
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert panels
    ids = [p.get("id") for p in dashboard["panels"]]
    assert len(set(ids)) == len(ids), "panel ids must be unique"
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        refs = [t["refId"] for t in panel["targets"]]
        assert len(set(refs)) == len(refs), panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip() and target["datasource"]["uid"] == "prometheus", panel["title"]


def test_the_regency_dashboard_has_its_variable_and_alert_annotations():
    dashboard = json.loads((GENERATED / "ucj-regency.json").read_text(encoding="utf-8"))
    [variable] = dashboard["templating"]["list"]
    assert variable["name"] == "regency" and "ucj_region_info" in variable["query"]["query"]
    [annotation] = dashboard["annotations"]["list"]
    assert 'region="$regency"' in annotation["expr"] and annotation["datasource"]["uid"] == "prometheus"


def test_status_is_coloured_on_track_green_behind_orange_critical_red():
    dashboard = json.loads((GENERATED / "ucj-province.json").read_text(encoding="utf-8"))
    [regencies] = [p for p in dashboard["panels"] if p["title"] == "Regencies"]
    [status] = [o for o in regencies["fieldConfig"]["overrides"] if o["matcher"]["options"] == "Status"]
    props = {p["id"]: p["value"] for p in status["properties"]}
    options = props["mappings"][0]["options"]
    assert {options[k]["color"] for k in ("0", "on_track")} == {"green"}
    assert {options[k]["color"] for k in ("1", "behind")} == {"orange"}
    assert {options[k]["color"] for k in ("2", "critical")} == {"red"}
    assert props["custom.cellOptions"] == {"type": "color-text"}
    [geomap] = [p for p in dashboard["panels"] if p["type"] == "geomap"]
    assert "group_left(latitude, longitude, seat)" in geomap["targets"][0]["expr"]


def test_the_pipeline_dashboard_has_a_gateway_row_that_agrees_with_the_alerts():
    """Requests by status, events by source and outcome, latency by endpoint, and the rejected events
    by reason that UCJGatewaySourceMostlyRejected sends operators to, with the alert's meaning of rejected."""
    from dashboards.build import REJECTED
    from tests.deploy.tools import alert_rules

    dashboard = json.loads((GENERATED / "ucj-pipeline.json").read_text(encoding="utf-8"))
    rows = [i for i, p in enumerate(dashboard["panels"]) if p["type"] == "row"]
    assert dashboard["panels"][rows[-1]]["title"] == "Gateway"
    panels = dashboard["panels"][rows[-1] + 1 :]
    exprs = {p["title"]: [t["expr"] for t in p["targets"]] for p in panels}
    assert "by (status, endpoint)" in exprs["Gateway requests per second by status"][0]
    assert "by (source, outcome)" in exprs["Gateway events per second by source and outcome"][0]
    assert [e.split(",")[0] for e in exprs["Gateway request latency p50 and p95 by endpoint"]] == [
        "histogram_quantile(0.95",
        "histogram_quantile(0.5",
    ]
    assert all("by (endpoint, le)" in e for e in exprs["Gateway request latency p50 and p95 by endpoint"])
    [rejected] = exprs["Rejected events by source and reason"]
    assert f"ucj_gateway_events_total{{{REJECTED}}}" in rejected
    [alert] = [rule for rule in alert_rules() if rule["alert"] == "UCJGatewaySourceMostlyRejected"]
    assert f'ucj_gateway_events_total{{job="ucj-gateway", {REJECTED}}}' in alert["expr"]
    assert (
        "row Gateway" in alert["annotations"]["description"]
        and dashboard["title"] in alert["annotations"]["description"]
    )
