"""deploy/prometheus: promtool checks the configuration and the rules and runs the rules' unit
tests (deploy/prometheus/tests/*.yml); the rest checks what promtool cannot: every alert is
tested firing and quiet, documented in the runbook, and every metric the rules read exists."""

from __future__ import annotations

import re

import pytest

from tests.deploy.tools import PROMETHEUS, ROOT, alert_rules, load, run
from tests.tools import require_tool

RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
UNIT_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
INSTALL_HINT = "Debian package prometheus; deploy/local/setup.sh installs it as root"


@pytest.fixture(scope="module")
def promtool() -> str:
    return require_tool("promtool", INSTALL_HINT)


def test_config_is_valid(promtool):
    done = run(promtool, "check", "config", PROMETHEUS / "prometheus.yml")
    assert "SUCCESS" in done.stdout + done.stderr


def test_rules_are_valid(promtool):
    assert [path.name for path in RULE_FILES] == ["alerts.yml", "recording.yml"]
    run(promtool, "check", "rules", *RULE_FILES)


@pytest.mark.slow  # promtool evaluates every rule test: about 16 s of CPU
def test_rule_unit_tests_pass(promtool):
    assert [path.name for path in UNIT_TESTS] == [
        "alerts_gateway_test.yml",
        "alerts_sources_test.yml",
        "alerts_test.yml",
        "alerts_weekend_test.yml",
        "recording_test.yml",
    ]
    done = run(promtool, "test", "rules", *UNIT_TESTS, cwd=PROMETHEUS)
    assert "FAILED" not in done.stdout + done.stderr


def test_rule_unit_tests_catch_a_wrong_expectation(promtool, tmp_path):
    """The unit tests are not vacuous: a wrong expected value makes promtool fail."""
    text = (PROMETHEUS / "tests" / "recording_test.yml").read_text()
    text = text.replace("../rules/", str(PROMETHEUS / "rules") + "/")
    assert "value: 0.225" in text
    broken = tmp_path / "broken_test.yml"
    broken.write_text(text.replace("value: 0.225", "value: 0.226", 1))
    done = run(promtool, "test", "rules", broken, expect_success=False)
    assert done.returncode != 0
    assert "2.26E-01" in done.stdout + done.stderr and "2.25E-01" in done.stdout + done.stderr


def test_scrape_jobs_point_at_the_compose_services():
    config = load(PROMETHEUS / "prometheus.yml")
    targets = {
        job["job_name"]: [t for c in job["static_configs"] for t in c["targets"]] for job in config["scrape_configs"]
    }
    assert targets["ucj-worker"] == ["worker-1:6066", "worker-2:6066"]
    assert targets["ucj-notifier"] == ["notifier:6070"]
    assert targets["ucj-gateway"] == ["gateway:8080"]
    alertmanagers = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert alertmanagers == ["alertmanager:9093"]
    services = load(ROOT / "docker-compose.yml")["services"]
    for target in targets["ucj-worker"] + targets["ucj-notifier"] + targets["ucj-gateway"] + alertmanagers:
        assert target.split(":")[0] in services, target
    assert sorted(config["rule_files"]) == ["rules/alerts.yml", "rules/recording.yml"]


def test_compose_mounts_this_directory_as_the_config():
    """Rule files are relative to prometheus.yml, so the whole directory is mounted."""
    prometheus = load(ROOT / "docker-compose.yml")["services"]["prometheus"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_alert_has_for_labels_annotations_and_a_runbook_section(rule):
    assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["for"]
    assert rule["labels"]["team"] == "operations"
    assert rule["labels"]["severity"] in ("critical", "warning")
    assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}
    anchor = rule["alert"].lower()
    assert rule["annotations"]["runbook_url"] == f"deploy/prometheus/RUNBOOK.md#{anchor}"
    headings = re.findall(r"^## (\S+)$", (PROMETHEUS / "RUNBOOK.md").read_text(), re.MULTILINE)
    assert rule["alert"] in headings


def test_runbook_has_a_section_per_alert_and_no_other():
    headings = re.findall(r"^## (\S+)$", (PROMETHEUS / "RUNBOOK.md").read_text(), re.MULTILINE)
    assert sorted(headings) == sorted(rule["alert"] for rule in alert_rules())


def test_every_alert_is_tested_firing_and_quiet():
    firing, quiet = set(), set()
    cases = [case for path in UNIT_TESTS if path.name.startswith("alerts") for case in load(path)["tests"]]
    for case in cases:
        for check in case.get("alert_rule_test", []):
            (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alert_rules()}
    assert names - firing == set(), "never tested firing"
    assert names - quiet == set(), "never tested quiet"


def test_every_recording_rule_is_tested():
    groups = load(PROMETHEUS / "rules" / "recording.yml")["groups"]
    records = {rule["record"] for group in groups for rule in group["rules"]}
    tested = {
        re.match(r"[a-z_:0-9]+", check["expr"]).group(0)
        for case in load(PROMETHEUS / "tests" / "recording_test.yml")["tests"]
        for check in case.get("promql_expr_test", [])
    }
    assert records - tested == set()


def test_rules_read_only_metrics_the_services_export():
    """promtool cannot know metric names: a typo would make an alert silently never fire."""
    sources = "".join(
        (ROOT / path).read_text()
        for path in ("streams/worker/metrics.py", "services/notifier/metrics.py", "services/gateway/metrics.py")
    )
    exported = set(re.findall(r'"(ucj_[a-z_]+)"', sources))
    builtin = {"up", "process_start_time_seconds"}
    read = set()
    for path in RULE_FILES:
        for group in load(path)["groups"]:
            for rule in group["rules"]:
                expr = re.sub(r'"[^"]*"', '""', rule["expr"])  # label values are not metric names
                for name in set(re.findall(r"(?<![\w:])(ucj_\w+|up|process_start_time_seconds)(?=\s*[{\[)\s])", expr)):
                    read.add(name)
                    base = re.sub(r"_(total|bucket)$", "", name)
                    assert name in builtin or {name, base} & exported, (
                        f"{path.name}: {rule.get('alert') or rule.get('record')} reads unknown {name}"
                    )
    assert {
        "up",
        "ucj_active_participants",
        "ucj_event_delay_seconds_bucket",
        "ucj_notifier_deliveries_total",
        "ucj_gateway_events_total",
    } <= read
