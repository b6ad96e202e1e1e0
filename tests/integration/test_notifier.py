"""`ucj notifier` as a child process against a real broker, a real SMTP server (aiosmtpd) and
a real HTTP receiver: each alert transition reaches its recipients once, through receiver
outages, SIGKILLs and duplicated alerts."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from services.registry import Registry
from streams.broker.topics import COVERAGE_ALERTS
from streams.domain.alerts import alert_to_wire
from tests.integration.receivers import HttpReceiver, NotifierProcess, SmtpReceiver
from tests.integration.waiting import wait_until
from tests.postgres import fresh_database
from tests.services.notifier.samples import BENGKAYANG, SINGKAWANG, alert, figures
from tests.tools import child_env

pytestmark = pytest.mark.integration

BKY_EMAIL, BKY_HOOK = "disnaker@bengkayang.go.id", "/hooks/bengkayang"
SKW_EMAIL, SKW_HOOK = "kota@singkawang.go.id", "/hooks/singkawang"


@pytest.fixture
def database_url(request, tmp_path):
    """SQLite; or, parametrized indirectly with "postgresql", a fresh database on the session's server."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    with fresh_database(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def registry(database_url):
    with Registry(database_url) as registry:
        registry.init()
        yield registry


@pytest.fixture
def smtp():
    receiver = SmtpReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def http():
    receiver = HttpReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def coordinators(registry, http):
    registry.add_coordinator("Disnaker Bengkayang", BENGKAYANG, email=BKY_EMAIL, webhook_url=http.url + BKY_HOOK)
    registry.add_coordinator(
        "Kota Singkawang", SINGKAWANG, email=SKW_EMAIL, webhook_url=http.url + SKW_HOOK, language="en"
    )
    return registry


@pytest.fixture
def start_notifier(kafka_bootstrap, coordinators, smtp, tmp_path):
    started = []

    def start(*extra_args) -> NotifierProcess:
        notifier = NotifierProcess(kafka_bootstrap, coordinators.database_url, tmp_path, smtp.port, extra_args)
        started.append(notifier)
        return notifier

    yield start
    for notifier in started:
        notifier.stop()


@pytest.fixture
def produce(kafka_bootstrap):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")

    def send(*items) -> None:
        for item in items:
            if isinstance(item, bytes):
                producer.send(COVERAGE_ALERTS, key=b"61.07", value=item)
            else:
                producer.send(COVERAGE_ALERTS, key=item.key, value=json.dumps(alert_to_wire(item)).encode())
        producer.flush()

    yield send
    producer.close()


def now_alert(region=BENGKAYANG, **options):
    return alert(region, at=datetime.now(timezone.utc).replace(microsecond=0), **options)


def delivered(registry) -> int:
    return len(registry.deliveries(status="delivered"))


def counter(notifier, family: str, *labels: str) -> dict[tuple[str, ...], float]:
    """A counter on the notifier's /metrics: label values -> count, leaving out the series at 0."""
    return {
        tuple(s.labels[n] for n in labels): s.value
        for s in notifier.metrics()[family]
        if s.name.endswith("_total") and s.value
    }


def delivered_counts(notifier) -> dict[str, float]:
    return {
        channel: n
        for (channel, outcome), n in counter(notifier, "ucj_notifier_deliveries", "channel", "outcome").items()
        if outcome == "delivered"
    }


def test_alert_reaches_exactly_its_regencys_coordinators_once_then_resolved(
    start_notifier, produce, registry, smtp, http, tmp_path
):
    notifier = start_notifier()
    raised = now_alert()
    produce(raised)
    notifier.wait_settled(registry)

    assert delivered(registry) == 2
    assert smtp.received() == Counter({(BKY_EMAIL, raised.transition_id): 1})
    assert http.received() == Counter({(BKY_HOOK, raised.transition_id): 1})
    [(_, email)] = smtp.messages
    assert email["Subject"] == "[UCJ] Bengkayang: tertinggal — peringatan dibuka"
    assert "Rp 10.080.000" in email.get_body(("plain",)).get_content()
    assert "var-regency=61.07" in email.get_body(("html",)).get_content()
    assert [p.get_content_type() for p in email.walk() if p.get_content_maintype() == "image"] == ["image/png"]
    [(_, headers, body)] = http.requests
    assert headers["Content-Type"] == "application/json"
    assert body["alert"] == alert_to_wire(raised)
    assert body["message"]["language"] == "id" and body["message"]["subject"] == email["Subject"]

    resolved = replace(
        now_alert(transition="resolved", status="on_track", previous_status="behind"),
        figures=figures(coverage=0.452, gap_pp=-0.2, gap_workers=-300, budget_idr=0, enrollments_needed_per_month=0),
    )
    produce(resolved)
    notifier.wait_settled(registry)
    # the notifier counts a delivery just after the log records it
    wait_until(
        lambda: delivered_counts(notifier) == {"email": 2, "webhook": 2},
        lambda: f"deliveries counted as logged: {delivered_counts(notifier)}",
    )
    # consumed before the offsets were committed
    assert counter(notifier, "ucj_notifier_alerts_consumed", "transition") == {("raised",): 1, ("resolved",): 1}
    notifier.finish()

    assert delivered(registry) == 4
    assert smtp.received() == Counter({(BKY_EMAIL, raised.transition_id): 1, (BKY_EMAIL, resolved.transition_id): 1})
    assert http.received() == Counter({(BKY_HOOK, raised.transition_id): 1, (BKY_HOOK, resolved.transition_id): 1})
    assert smtp.messages[1][1]["Subject"] == "[UCJ] Bengkayang: kembali sesuai rencana — peringatan selesai"
    assert smtp.messages[1][1]["In-Reply-To"] == email["Message-ID"]
    # the other regency's coordinator received nothing
    assert not [r for r, _ in smtp.messages if r == SKW_EMAIL]

    listing = subprocess.run(
        [sys.executable, "-m", "services.cli", "notifier", "deliveries", "--status", "delivered"],
        env=child_env(UCJ_DATABASE_URL=registry.database_url, UCJ_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert listing.stdout.count("delivered") >= 4 and BKY_EMAIL in listing.stdout


def test_receiver_down_is_retried_and_delivered_once_when_back(start_notifier, produce, registry, smtp, http):
    http.down = True
    notifier = start_notifier()
    raised = now_alert(SINGKAWANG)
    produce(raised)
    wait_until(lambda: delivered(registry) == 1, "the email delivered", processes=[notifier])
    [webhook] = registry.deliveries(status="pending")
    wait_until(lambda: len(registry.delivery_attempts(webhook.id)) >= 3, "three failed attempts", processes=[notifier])
    attempts = registry.delivery_attempts(webhook.id)
    assert {a.outcome for a in attempts} == {"failed"} and "HTTP 503" in attempts[0].error
    assert http.refused >= 3 and http.received() == Counter()

    http.down = False
    notifier.wait_settled(registry)
    notifier.finish()
    assert delivered(registry) == 2
    assert http.received() == Counter({(SKW_HOOK, raised.transition_id): 1})
    assert smtp.received() == Counter({(SKW_EMAIL, raised.transition_id): 1})
    assert http.requests[0][2]["message"]["language"] == "en"
    assert registry.delivery_attempts(webhook.id)[-1].outcome == "delivered"


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)  # PostgreSQL: the log locks rows
def test_sigkill_during_an_outage_and_a_backlog_loses_nothing_and_sends_nothing_twice(
    start_notifier, produce, registry, smtp, http
):
    http.down = True  # webhooks fail and pile up; emails are delivered
    first = [now_alert(BENGKAYANG, episode=e) for e in range(1, 6)] + [
        now_alert(SINGKAWANG, episode=e) for e in range(1, 6)
    ]
    notifier = start_notifier()
    produce(*first)
    wait_until(lambda: delivered(registry) == 10, "the ten emails delivered", processes=[notifier])
    wait_until(
        lambda: all(d.attempts >= 2 for d in registry.deliveries(status="pending")),
        "webhook retries",
        processes=[notifier],
    )
    notifier.kill()

    later = [now_alert(BENGKAYANG, episode=e) for e in range(6, 9)]
    produce(*later)  # while the notifier is down
    http.down = False
    notifier.start()
    notifier.wait_settled(registry)
    notifier.finish()

    assert delivered(registry) == 26
    expected_emails = Counter(
        {({BENGKAYANG: BKY_EMAIL, SINGKAWANG: SKW_EMAIL}[a.region_code], a.transition_id): 1 for a in first + later}
    )
    expected_hooks = Counter(
        {({BENGKAYANG: BKY_HOOK, SINGKAWANG: SKW_HOOK}[a.region_code], a.transition_id): 1 for a in first + later}
    )
    assert smtp.received() == expected_emails
    assert http.received() == expected_hooks


def test_sigkill_while_delivering_sends_each_transition_at_least_once_and_a_resend_is_recognisable(
    start_notifier, produce, registry, smtp, http
):
    """A kill at a random moment can hit the in-doubt window (the receiver accepted, the log
    has not recorded it yet): such a message is sent once more, with the same
    Idempotency-Key / Message-ID, and never more than once per kill."""
    alerts = [now_alert(BENGKAYANG, episode=e) for e in range(1, 21)]
    notifier = start_notifier()
    produce(*alerts)
    wait_until(lambda: len(http.requests) >= 3, "some webhooks delivered", processes=[notifier])
    notifier.kill()
    notifier.start()
    notifier.wait_settled(registry)
    notifier.finish()
    assert delivered(registry) == 40
    for received, recipient in ((smtp.received(), BKY_EMAIL), (http.received(), BKY_HOOK)):
        counts = {a.transition_id: received[(recipient, a.transition_id)] for a in alerts}
        assert all(n >= 1 for n in counts.values()), counts
        assert sum(n - 1 for n in counts.values()) <= 4, counts  # at most the in-flight ones (--threads 4)
    # duplicates carry the same Message-ID: a receiver can drop them
    ids = Counter((r, m["X-UCJ-Transition-Id"], m["Message-ID"]) for r, m in smtp.messages)
    assert len({key[:2] for key in ids}) == len(ids)


def test_the_same_transition_produced_twice_is_delivered_once(start_notifier, produce, registry, smtp, http):
    notifier = start_notifier()
    raised = now_alert()
    produce(raised, b"not an alert", b'{"schema": "ucj.coverage-alert/1"}', raised)
    notifier.wait_settled(registry)
    assert delivered(registry) == 2
    escalated = now_alert(transition="updated", status="critical", previous_status="behind")
    produce(escalated, raised, escalated)
    notifier.wait_settled(registry)
    assert counter(notifier, "ucj_notifier_invalid_alerts") == {(): 2}  # counted before the offsets were committed
    notifier.finish()
    assert delivered(registry) == 4
    assert smtp.received() == Counter({(BKY_EMAIL, raised.transition_id): 1, (BKY_EMAIL, escalated.transition_id): 1})
    assert http.received() == Counter({(BKY_HOOK, raised.transition_id): 1, (BKY_HOOK, escalated.transition_id): 1})


def test_alertmanager_api_and_alertmanager_format_webhooks(start_notifier, produce, registry, smtp, http):
    registry.add_coordinator(
        "Bappeda Bengkayang", BENGKAYANG, webhook_url=http.url + "/hooks/bky-am", webhook_format="alertmanager"
    )
    notifier = start_notifier("--alertmanager-url", http.url + "/am", "--language", "en")
    raised = now_alert()
    produce(raised)
    notifier.wait_settled(registry)
    assert delivered(registry) == 4
    resolved = now_alert(transition="resolved", status="on_track", previous_status="behind")
    produce(resolved)
    notifier.wait_settled(registry)
    notifier.finish()
    assert delivered(registry) == 8
    by_path = {}
    for path, _headers, body in http.requests:
        by_path.setdefault(path, []).append(body)
    assert sorted(by_path) == ["/am/api/v2/alerts", "/hooks/bengkayang", "/hooks/bky-am"]
    firing, ended = by_path["/am/api/v2/alerts"]
    assert [a["labels"]["status"] for a in firing] == ["behind"]
    assert (
        firing[0]["labels"]["alertname"] == "UCJCoverageBehind" and firing[0]["labels"]["alert_id"] == raised.alert_id
    )
    assert firing[0]["annotations"]["summary"] == "[UCJ] Bengkayang: behind — alert raised"  # the notifier's language
    assert firing[0]["endsAt"] > firing[0]["startsAt"]
    assert sorted(a["labels"]["status"] for a in ended) == ["behind", "critical", "on_track"]
    assert all(a["endsAt"] == a["startsAt"] for a in ended)
    webhook_raised, webhook_resolved = by_path["/hooks/bky-am"]
    assert webhook_raised["version"] == "4" and webhook_raised["status"] == "firing"
    assert webhook_resolved["status"] == "resolved"
    assert webhook_raised["alerts"][0]["fingerprint"] == webhook_resolved["alerts"][0]["fingerprint"]
    assert "peringatan dibuka" in webhook_raised["commonAnnotations"]["summary"]  # the coordinator's language


def test_the_notifier_creates_the_alerts_topic(kafka_bootstrap, start_notifier, registry):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    notifier = start_notifier()
    wait_until(
        lambda: "notifier running" in notifier.log_path.read_text(), "the notifier running", processes=[notifier]
    )
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        [described] = admin.describe_topics([COVERAGE_ALERTS])
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, COVERAGE_ALERTS)])["topic"]
    finally:
        admin.close()
    assert len(described["partitions"]) == 1
    assert configs[COVERAGE_ALERTS]["retention.ms"]["value"] == "-1"  # the stage rebuilds open alerts from it
