"""deploy/alertmanager: amtool checks the configuration and where alerts are routed.

Coverage alerts come from the notifier (labels of services/notifier/alertmanager.py): a
regency's go to that regency's receiver, the province's to operations. Pipeline alerts
(deploy/prometheus/rules/alerts.yml) go to operations."""
from __future__ import annotations

import csv
import re

import pytest

from services.notifier.alertmanager import ALERT_NAMES, STATUSES, labels
from tests.services.notifier import samples
from tests.deploy.tools import ALERTMANAGER, ROOT, alert_rules, load, run
from tests.tools import require_tool

CONFIG = ALERTMANAGER / "alertmanager.yml"
REGENCIES = [row["code"] for row in csv.DictReader((ROOT / "services" / "data" / "kalbar_regencies.csv").open())]
INSTALL_HINT = "Debian package prometheus-alertmanager; deploy/local/setup.sh installs it as root"


@pytest.fixture(scope="module")
def amtool() -> str:
    return require_tool("amtool", INSTALL_HINT)


def route(amtool: str, receiver: str, **label_set: str) -> None:
    """amtool resolves the label set to exactly this receiver (and fails otherwise)."""
    done = run(
        amtool, "config", "routes", "test", f"--config.file={CONFIG}", f"--verify.receivers={receiver}",
        *(f"{name}={value}" for name, value in label_set.items()),
    )
    assert done.stdout.split() == [receiver]


def test_config_is_valid(amtool):
    done = run(amtool, "check-config", CONFIG)
    assert "SUCCESS" in done.stdout


def test_a_wrong_receiver_is_caught(amtool):
    done = run(
        amtool, "config", "routes", "test", f"--config.file={CONFIG}", "--verify.receivers=regency-61.01",
        "alertname=UCJCoverageBehind", "regency=61.07", expect_success=False,
    )
    assert done.returncode != 0


def test_one_route_and_receiver_per_regency():
    assert len(REGENCIES) == 14
    config = load(CONFIG)
    coverage = next(r for r in config["route"]["routes"] if "UCJCoverageBehind" in r["matchers"][0])
    assert coverage["group_by"] == ["regency", "alertname"]
    assert [r["receiver"] for r in coverage["routes"]] == [f"regency-{code}" for code in REGENCIES]
    assert {r["name"] for r in config["receivers"]} == {"operations"} | {f"regency-{code}" for code in REGENCIES}


@pytest.mark.parametrize("regency", REGENCIES)
def test_regency_coverage_alerts_go_to_the_regency(amtool, regency):
    for alertname in ("UCJCoverageBehind", "UCJLapseCliff"):
        route(amtool, f"regency-{regency}", alertname=alertname, region=regency, regency=regency, level="regency", status="behind")


def test_district_alerts_go_to_their_regency(amtool):
    route(amtool, "regency-61.07", alertname="UCJCoverageBehind", region="61.07.01", regency="61.07", level="district", status="critical")


def test_province_coverage_alerts_go_to_operations(amtool):
    for alertname in ("UCJCoverageBehind", "UCJLapseCliff"):
        route(amtool, "operations", alertname=alertname, region="61", regency="", level="province", status="behind")


@pytest.mark.parametrize(("transition", "receiver"), [
    (samples.alert("61.07"), "regency-61.07"),
    (samples.alert("61.07.01"), "regency-61.07"),
    (samples.lapse_cliff_alert(region_code="61.72"), "regency-61.72"),
    (samples.alert("61", status="critical", transition="updated"), "operations"),
    (samples.lapse_cliff_alert(region_code="61"), "operations"),
], ids=["regency", "district", "lapse-cliff", "province", "province-lapse-cliff"])
def test_the_notifiers_own_labels_route_as_intended(amtool, transition, receiver):
    """The label sets the notifier posts (services/notifier/alertmanager.py), not copies of them."""
    for status in (None, *STATUSES):  # the label sets api_alerts posts for the transition
        label_set = labels(transition, status)
        assert label_set["alertname"] in ALERT_NAMES.values()
        route(amtool, receiver, **label_set)


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
