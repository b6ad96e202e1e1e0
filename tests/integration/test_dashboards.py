"""Every query of every generated dashboard returns data from a real Prometheus.

Grafana is not installable here, so the test does what Grafana would: it takes each panel's
queries, the template variable's query and the annotation queries from the committed JSON
(a new panel is covered with no change here), substitutes `$regency` and Grafana's interval
macros, and runs them as instant queries against a real Prometheus that scrapes a real
`ucj worker`, a real `ucj notifier` and a real `ucj gateway`, fed by the simulator on a real
broker. The story is the demo's: the simulated history with the workforce scaled so every
regency is on plan, then a cohort in one regency lapses (its village administration uploads
the lapses through the gateway), it falls behind, an alert is raised and delivered. Another
source posts batches with accepted and rejected events, so the gateway's panels have both.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from dashboards.build import GENERATED
from services.registry import Registry
from tests.integration.gateway import GatewayProcess
from tests.integration.processes import ServiceProcess
from tests.integration.waiting import wait_until
from tests.streams.domain.factories import pseudonym
from tests.tools import child_env, free_port, require_tool

pytestmark = pytest.mark.integration

CLOCK = "2026-11-20T12:00:00+07:00"  # late in the budget year: the APBD assistance ending 31 December is a lapse cliff
BEHIND = "61.07"  # the regency whose cohort lapses
PARTICIPANTS = 2_000
CHECKER, CHECKER_REGENCY, OTHER_REGENCY = (
    "dashboard-check",
    "61.01",
    "61.02",
)  # a source in Sambas; Mempawah is out of its scope
MACROS = {"$__rate_interval": "15s", "$__interval": "5s", "$__range": "5m"}  # with a 1 s scrape interval


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(dashboard uid, what, expression) for every panel target, variable and annotation."""
    found = []
    for path in sorted(GENERATED.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        uid = dashboard["uid"]
        panels = [p for top in dashboard["panels"] for p in [top, *top.get("panels", [])]]
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr") and not target.get("hide"):
                    found.append((uid, f"panel {panel['title']!r} query {target['refId']}", target["expr"]))
        for variable in dashboard.get("templating", {}).get("list", []):
            if variable["type"] == "query":
                found.append((uid, f"variable ${variable['name']}", variable_expr(variable["query"])))
        for annotation in dashboard.get("annotations", {}).get("list", []):
            if annotation.get("expr"):
                found.append((uid, f"annotation {annotation['name']!r}", annotation["expr"]))
    return found


def variable_expr(query) -> str:
    """The PromQL behind a Prometheus variable query: query_result(X) or label_values(X, label) run X."""
    text = query["query"] if isinstance(query, dict) else query
    match = re.fullmatch(r"\s*query_result\((.*)\)\s*", text, re.S)
    if match:
        return match.group(1)
    match = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", text, re.S)
    if match:
        return match.group(1)
    raise AssertionError(f"unsupported variable query {text!r}")


def substitute(expr: str, regency: str) -> str:
    for macro, value in MACROS.items():
        expr = expr.replace(macro, value)
    return expr.replace("${regency}", regency).replace("$regency", regency)


class PrometheusServer(ServiceProcess):
    """The Debian `prometheus` binary on a free port, scraping the given jobs every second."""

    def __init__(self, binary: str, directory: Path, jobs: dict[str, list[int]]):
        self.port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        config = directory / "prometheus.yml"
        scrape = "".join(
            f"  - job_name: {job}\n    static_configs:\n      - targets: [{', '.join(repr(f'127.0.0.1:{p}') for p in ports)}]\n"
            for job, ports in jobs.items()
        )
        config.write_text(
            f"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{scrape}"
        )
        self.log_path = directory / "prometheus.log"
        self.command = [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={directory / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=1d",
        ]
        self.env = child_env()
        self.start()
        wait_until(self._ready, "prometheus ready", processes=[self])

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def query(self, expr: str) -> list[dict]:
        data = urllib.parse.urlencode({"query": expr}).encode()
        try:
            with urllib.request.urlopen(self.url + "/api/v1/query", data=data, timeout=10) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"Prometheus refused {expr!r}: {error.read().decode(errors='replace')}") from None
        assert answer["status"] == "success", answer
        result = answer["data"]["result"]
        return result if answer["data"]["resultType"] in ("vector", "matrix") else [result]

    def targets_up(self) -> bool:
        return {s["metric"]["job"] for s in self.query("up == 1")} >= {"ucj-worker", "ucj-notifier", "ucj-gateway"}


def checker_batch(round_: int) -> tuple[str, Counter]:
    """A JSON batch from the checking source: three enrollments in its regency, two events out of its
    scope and two with a bad date; the outcomes the gateway should count for it."""

    def enrollment(i: int, region: str, **fields) -> dict:
        return {
            "schema": "ucj.participant-event/1",
            "event_id": f"{CHECKER}-{round_}-{i}",
            "type": "enrollment",
            "occurred_at": "2026-11-19T09:00:00+07:00",
            "participant_id": pseudonym(f"{CHECKER}-p{round_}-{i}"),
            "region_code": region,
            "segment": "BPU",
            "covered_from": "2026-11-01",
            "paid_through": "2026-12-31",
            **fields,
        }

    events = [enrollment(i, CHECKER_REGENCY) for i in range(3)]
    events += [enrollment(3 + i, OTHER_REGENCY) for i in range(2)]
    events += [enrollment(5 + i, CHECKER_REGENCY, covered_from="2026-11-31") for i in range(2)]
    return json.dumps(events), Counter(accepted=3, region_out_of_scope=2, bad_date=2)


def post_checker_batch(gateway: GatewayProcess, key: str, round_: int) -> Counter:
    """The batch posted; its outcomes, as the import summary tells them."""
    body, expected = checker_batch(round_)
    status, _, summary = gateway.post(body, key=key)
    assert status == 200, summary
    outcomes = Counter({"accepted": summary["accepted"]}) + Counter(
        rejected["reason"] for rejected in summary["rejected"]
    )
    assert outcomes == expected, summary
    return outcomes


def empty_queries(prometheus: PrometheusServer, queries: list[tuple[str, str, str]], regency: str) -> list[str]:
    return [
        f"{uid}: {what} returned nothing: {substitute(expr, regency)}"
        for uid, what, expr in queries
        if not prometheus.query(substitute(expr, regency))
    ]


def test_every_dashboard_query_returns_data_from_a_real_prometheus(kafka_bootstrap, tmp_path, monkeypatch):
    from services.common.secrets import pseudonym_key
    from services.dev.demo.story import Story
    from streams.domain.pseudonym import Pseudonymizer
    from tests.integration.conftest import WorkerProcess
    from tests.integration.receivers import HttpReceiver, NotifierProcess, SmtpReceiver

    binary = require_tool("prometheus", "apt-get install prometheus")
    queries = dashboard_queries()
    assert {uid for uid, _, _ in queries} == {"ucj-province", "ucj-regency", "ucj-pipeline"}

    monkeypatch.setenv("UCJ_CLOCK", CLOCK)  # the story's clock; the worker gets the same
    registry_url = f"sqlite:///{tmp_path / 'registry.db'}"
    key_env = {"UCJ_PSEUDONYM_KEY": secrets.token_urlsafe(36)}  # 48 characters, new each run
    gateway_port = free_port()  # the story needs the gateway's URL before the registry it starts on exists
    story = Story(
        kafka_bootstrap, registry_url, BEHIND, Pseudonymizer(pseudonym_key(key_env)), f"http://127.0.0.1:{gateway_port}"
    )
    smtp, http = SmtpReceiver(), HttpReceiver()
    worker = notifier = gateway = prometheus = None
    try:
        story.prepare(
            PARTICIPANTS
        )  # registry with coordinators (email) and the story's source, workforce on plan, history published
        with Registry(registry_url) as registry:
            registry.add_coordinator("Disnaker Bengkayang (webhook)", BEHIND, webhook_url=http.url + "/bengkayang")
            _, checker_key = registry.add_source(CHECKER, [CHECKER_REGENCY])
        # a hold longer than the 5 s between two partials of a partition: a status outlasts a fresh figure
        worker = WorkerProcess(kafka_bootstrap, registry_url, tmp_path, clock=CLOCK, options=("--alert-hold", "10s"))
        notifier = NotifierProcess(kafka_bootstrap, registry_url, tmp_path, smtp.port)
        gateway = GatewayProcess(kafka_bootstrap, registry_url, tmp_path, key_env, clock=CLOCK, port=gateway_port)
        prometheus = PrometheusServer(
            binary,
            tmp_path / "prometheus",
            {"ucj-worker": [worker.port], "ucj-notifier": [notifier.port], "ucj-gateway": [gateway.port]},
        )
        worker.wait_ready(timeout=120)
        children = [prometheus, worker, notifier, gateway]
        wait_until(
            prometheus.targets_up, "Prometheus scrapes the worker, the notifier and the gateway", processes=children
        )
        # The first batch makes the checker's series; the gateway creates a (source, outcome) series at its
        # first count, so only a later batch shows in rate() and increase().
        posted = post_checker_batch(gateway, checker_key, 1)

        def lapsed() -> bool:
            try:
                story.advance(worker.url)  # lapses the cohort once every regency is on plan (or after 2 minutes)
            except Exception:  # the stage has not reported yet
                return False
            return story.phase == "lapsed"

        wait_until(lapsed, "the cohort lapsed", timeout=300, every=2, processes=children)
        wait_until(lambda: http.received(), "the alert delivered by webhook", processes=children)
        wait_until(
            lambda: prometheus.query('ucj_alerts_open{region="%s"}' % BEHIND),
            "the open alert in Prometheus",
            processes=children,
        )
        posted += post_checker_batch(gateway, checker_key, 2)  # now every gateway panel has a change to show

        def gateway_counts() -> dict[str, dict[str, float]]:
            counts: dict[str, dict[str, float]] = {}
            for series in prometheus.query('ucj_gateway_events_total{job="ucj-gateway"}'):
                counts.setdefault(series["metric"]["source"], {})[series["metric"]["outcome"]] = float(
                    series["value"][1]
                )
            return counts

        expected_counts = {CHECKER: posted, story.source.name: {"accepted": story.upload["accepted"]}}
        assert story.upload["accepted"] > 0 and story.upload["rejected"] == [], story.upload
        wait_until(
            lambda: gateway_counts() == expected_counts,
            lambda: f"the gateway's counts in Prometheus: {gateway_counts()} != {expected_counts}",
            processes=children,
        )

        variable = next(expr for uid, what, expr in queries if what.startswith("variable $regency"))
        regencies = sorted({s["metric"]["region"] for s in prometheus.query(variable)})
        assert len(regencies) == 14, regencies
        assert BEHIND in regencies

        [geomap] = [expr for uid, what, expr in queries if "Regency status" in what]
        markers = {s["metric"]["region"]: s["metric"] for s in prometheus.query(geomap)}
        assert len(markers) == 14 and all(
            float(m["latitude"]) < 3 and float(m["longitude"]) > 108 for m in markers.values()
        ), markers
        assert markers[BEHIND]["status"] in ("behind", "critical"), markers[BEHIND]

        # The behind regency first: its alert is open. A regency without an ETA (pace <= 0) rightly shows
        # "not at this pace", so the regency dashboard is proven on the first regency where all its panels
        # have data, and every failure is listed for the best one when none has. Rate and increase windows
        # (15 s) return data once they hold two samples of a series: the wait ends when they do.
        failures: dict[str, list[str]] = {}

        def proven_regency() -> str | None:
            failures.clear()
            for regency in [BEHIND] + [r for r in regencies if r != BEHIND]:
                failures[regency] = empty_queries(prometheus, queries, regency)
                if not failures[regency]:
                    return regency
            return None

        def best_failures() -> str:
            best = min(failures, key=lambda r: len(failures[r]), default=BEHIND)
            lines = failures.get(best, ["(Prometheus did not answer)"])
            return (
                f"every dashboard query returns data; with $regency={best}, {len(lines)} of {len(queries)} returned nothing:\n"
                + "\n".join(lines)
            )

        proven = wait_until(proven_regency, best_failures, every=2, processes=children)
        print(f"checked {len(queries)} dashboard queries with $regency={proven}")
        for regency, lines in failures.items():
            if regency != proven:
                print(
                    f"with $regency={regency} ({len(lines)} empty, so another regency was tried):", *lines, sep="\n  "
                )
    finally:
        for process in (prometheus, gateway, notifier, worker):
            if process is not None:
                process.stop()
        smtp.stop()
        http.stop()
