"""deploy/alertmanager: amtool checks the configuration and where alerts are routed.

Coverage alerts come from the notifier (labels of services/notifier/alertmanager.py) and
are only shown: the notifier is the one path to coordinators, so Alertmanager routes them,
whatever their regency, to a receiver with no integration. Pipeline alerts
(deploy/prometheus/rules/alerts.yml) go to operations."""

from __future__ import annotations

import csv
import re

import pytest

from services.notifier.alertmanager import ALERT_NAMES, STATUSES, labels
from tests.deploy.tools import ALERTMANAGER, ROOT, alert_rules, load, run
from tests.services.notifier import samples
from tests.tools import require_tool

CONFIG = ALERTMANAGER / "alertmanager.yml"
REGENCIES = [row["code"] for row in csv.DictReader((ROOT / "services" / "data" / "kalbar_regencies.csv").open())]
INSTALL_HINT = "Debian package prometheus-alertmanager; deploy/local/setup.sh installs it as root"
SHOWN = "coverage-shown"  # the receiver of coverage alerts: no integration, nobody is notified


@pytest.fixture(scope="module")
def amtool() -> str:
    return require_tool("amtool", INSTALL_HINT)


def route(amtool: str, receiver: str, **label_set: str) -> None:
    """amtool resolves the label set to exactly this receiver (and fails otherwise)."""
    done = run(
        amtool,
        "config",
        "routes",
        "test",
        f"--config.file={CONFIG}",
        f"--verify.receivers={receiver}",
        *(f"{name}={value}" for name, value in label_set.items()),
    )
    assert done.stdout.split() == [receiver]


def test_config_is_valid(amtool):
    done = run(amtool, "check-config", CONFIG)
    assert "SUCCESS" in done.stdout


def test_a_wrong_receiver_is_caught(amtool):
    done = run(
        amtool,
        "config",
        "routes",
        "test",
        f"--config.file={CONFIG}",
        "--verify.receivers=operations",
        "alertname=UCJCoverageBehind",
        "regency=61.07",
        expect_success=False,
    )
    assert done.returncode != 0
    assert SHOWN in done.stdout + done.stderr


def test_only_operations_is_ever_notified():
    """Two receivers: operations, and the coverage receiver, which has no integration at all."""
    receivers = {receiver["name"]: receiver for receiver in load(CONFIG)["receivers"]}
    assert set(receivers) == {"operations", SHOWN}
    assert receivers[SHOWN] == {"name": SHOWN}
    assert [hook["url"] for hook in receivers["operations"]["webhook_configs"]] == [
        "http://ucj-operations-hook.invalid/alerts"
    ]


def test_no_route_matches_on_a_regency():
    """Routing by regency is the notifier's (the registry's coordinators), not Alertmanager's."""

    def walk(node):
        yield node
        for child in node.get("routes", []):
            yield from walk(child)

    for node in walk(load(CONFIG)["route"]):
        assert not [m for m in node.get("matchers", []) if "regency" in m or "region" in m], node


@pytest.mark.parametrize("regency", REGENCIES)
def test_a_regencys_coverage_alerts_reach_no_coordinator_route(amtool, regency):
    for alertname in ALERT_NAMES.values():
        route(amtool, SHOWN, alertname=alertname, region=regency, regency=regency, level="regency", status="behind")


def test_district_and_province_coverage_alerts_are_only_shown_too(amtool):
    route(
        amtool,
        SHOWN,
        alertname="UCJCoverageBehind",
        region="61.07.01",
        regency="61.07",
        level="district",
        status="critical",
    )
    for alertname in ALERT_NAMES.values():
        route(amtool, SHOWN, alertname=alertname, region="61", regency="", level="province", status="behind")
    # even one that looks like a pipeline alert: the notifier already delivered it
    route(amtool, SHOWN, alertname="UCJCoverageBehind", regency="61.07", team="operations", severity="critical")


@pytest.mark.parametrize(
    "transition",
    [
        samples.alert("61.07"),
        samples.alert("61.07.01"),
        samples.lapse_cliff_alert(region_code="61.72"),
        samples.alert("61", status="critical", transition="updated"),
        samples.lapse_cliff_alert(region_code="61"),
    ],
    ids=["regency", "district", "lapse-cliff", "province", "province-lapse-cliff"],
)
def test_the_notifiers_own_labels_are_only_shown(amtool, transition):
    """The label sets the notifier posts (services/notifier/alertmanager.py), not copies of them."""
    for status in (None, *STATUSES):  # the label sets api_alerts posts for the transition
        label_set = labels(transition, status)
        assert label_set["alertname"] in ALERT_NAMES.values()
        route(amtool, SHOWN, **label_set)


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_pipeline_alerts_go_to_operations(amtool, rule):
    route(amtool, "operations", alertname=rule["alert"], **rule["labels"], instance="worker-1:6066", job="ucj-worker")


def test_unknown_alerts_go_to_operations(amtool):
    route(amtool, "operations", alertname="SomethingElse")


def test_inhibit_rules_name_existing_alerts():
    names = {rule["alert"] for rule in alert_rules()}
    for inhibit in load(CONFIG)["inhibit_rules"]:
        for matcher in inhibit["source_matchers"] + inhibit["target_matchers"]:
            alertnames = re.fullmatch(r'alertname=~?"([^"]+)"', matcher).group(1).split("|")
            assert set(alertnames) <= names, matcher


def test_compose_mounts_this_configuration_and_the_notifier_posts_to_it():
    services = load(ROOT / "docker-compose.yml")["services"]
    assert "./deploy/alertmanager:/etc/alertmanager:ro" in services["alertmanager"]["volumes"]
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in services["alertmanager"]["command"]
    assert services["notifier"]["environment"]["UCJ_ALERTMANAGER_URL"] == "http://alertmanager:9093"
