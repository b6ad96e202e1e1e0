"""The pipeline on the secure broker (`ucj kafka up --secure`), each service as its own principal:
exact counts and alerts delivered once, while forged events and alerts, published by principals
without the right, are refused by the broker and never counted or delivered; and every refusal
reaches the user of our CLI as one sentence."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import TopicAuthorizationFailedError

from services.common.producer import EventPublisher, kafka_producer
from services.dev.kafka_local import broker_status, ensure_broker, stop_broker
from services.dev.kafka_local import secure as security
from services.registry import Registry
from streams.broker.alert_log import read_alert_log
from streams.broker.kafka_access import KafkaAccess
from streams.broker.topics import COVERAGE_ALERTS, DEAD_LETTER, PARTICIPANT_EVENTS, REGION_PARTIALS, ensure_topics
from tests.integration.broker import empty_broker
from tests.integration.conftest import FIXED_NOW, WorkerProcess
from tests.integration.offsets import read_to_end
from tests.integration.small_province import BEHIND, HOLD, REGENCIES, all_on_track, enrolled, lapsed, small_registry  # noqa: F401 (fixture)
from tests.integration.streams import differences, exported_active, messy_stream, send_raw, true_counts
from tests.integration.waiting import wait_until
from tests.services.dev.kafka_local.ports import free_port_pair
from tests.tools import child_env, require_tool

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat(FIXED_NOW)


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory):
    require_tool("java", "apt-get install openjdk-17-jre-headless")
    require_tool("mvn", "apt-get install maven")
    port, data_dir = free_port_pair(), tmp_path_factory.mktemp("secure-kafka")
    try:
        ensure_broker(port=port, data_dir=data_dir, timeout=120, secure=True)
        yield broker_status(port, data_dir)
    finally:
        stop_broker(port=port, data_dir=data_dir)


@pytest.fixture
def broker(secure_broker):
    """The secure broker as new, with the topics `ucj kafka up --secure` creates as ucj-admin."""
    empty_broker(secure_broker.access())
    ensure_topics(secure_broker.access())
    return secure_broker


def env_of(broker, principal: str) -> dict[str, str]:
    return security.environment(broker.bootstrap, broker.data_dir, principal)


def refused(send) -> bool:
    try:
        send()
    except TopicAuthorizationFailedError:
        return True
    return False


def publish(access: KafkaAccess, topic: str, value: bytes, key: bytes = b"forged") -> None:
    producer = KafkaProducer(**access.kafka_python(max_block_ms=30_000, retries=0, linger_ms=0))
    try:
        producer.send(topic, key=key, value=value).get(timeout=60)
    finally:
        producer.close(timeout=5)


def ucj(broker, tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=child_env(UCJ_DATA_DIR=str(tmp_path), UCJ_KAFKA_WAIT="0", **env),
    )


def test_each_refusal_is_the_brokers_and_reads_as_one_sentence(broker, small_registry, tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text("".join(r.value.decode() + "\n" for r in enrolled(BEHIND, 3)))
    database = {"UCJ_DATABASE_URL": small_registry}

    anonymous = ucj(broker, tmp_path, "produce", str(events), UCJ_KAFKA_BOOTSTRAP=broker.bootstrap, **database)
    assert anonymous.returncode == 1 and "Traceback" not in anonymous.stderr
    assert anonymous.stderr.strip().count("\n") == 0 and "did not answer a PLAINTEXT client" in anonymous.stderr

    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-the-password\n")
    wrong.chmod(0o600)  # private, so the broker (not the file mode check) is what refuses it
    guessed = ucj(
        broker,
        tmp_path,
        "produce",
        str(events),
        **{**env_of(broker, "ucj-producer"), "UCJ_KAFKA_PASSWORD_FILE": str(wrong)},
        **database,
    )
    assert guessed.returncode == 1 and "Traceback" not in guessed.stderr
    assert guessed.stderr.strip().count("\n") == 0 and "did not accept the login of ucj-producer" in guessed.stderr

    as_notifier = ucj(broker, tmp_path, "produce", str(events), **env_of(broker, "ucj-notifier"), **database)
    assert as_notifier.returncode == 1 and "Traceback" not in as_notifier.stderr
    assert "ucj-notifier may not write ucj.participant-events" in as_notifier.stderr
    assert as_notifier.stderr.strip().count("\n") == 0

    gateway, notifier = broker.access("ucj-gateway"), broker.access("ucj-notifier")
    alert = json.dumps({"kind": "coverage_status", "text": "forged"}).encode()
    assert refused(lambda: publish(gateway, COVERAGE_ALERTS, alert))
    assert refused(lambda: publish(gateway, REGION_PARTIALS, b"{}", key=b"0"))
    assert refused(lambda: publish(notifier, COVERAGE_ALERTS, alert))
    assert refused(lambda: publish(notifier, PARTICIPANT_EVENTS, enrolled(BEHIND, 1, prefix="F")[0].value))
    assert refused(lambda: publish(notifier, DEAD_LETTER, b"{}"))
    consumer = KafkaConsumer(PARTICIPANT_EVENTS, **gateway.kafka_python(group_id=None))
    try:  # the refusal comes with the topic's metadata, at the first poll
        assert refused(lambda: consumer.poll(timeout_ms=30_000))
    finally:
        consumer.close()
    assert (
        read_to_end(broker.access(), COVERAGE_ALERTS) == [] and read_to_end(broker.access(), PARTICIPANT_EVENTS) == []
    )


def test_a_messy_stream_is_exact_and_a_forged_enrollment_is_never_counted(broker, registry_url, tmp_path):
    records, keyless = messy_stream(participants=1_500, seed=11, now=NOW)
    invalid = [r for r in records if not r.valid]
    worker = WorkerProcess(broker.bootstrap, registry_url, tmp_path, kafka_env=env_of(broker, "ucj-worker"))
    try:
        worker.wait_ready()
        producer = kafka_producer(broker.access("ucj-producer"))
        for record in records:
            if id(record) in keyless or not record.valid:
                producer.send(PARTICIPANT_EVENTS, key=None if id(record) in keyless else record.key, value=record.value)
        report = EventPublisher(producer, Registry(registry_url).region_tree(), lambda: NOW).publish(
            [r.value for r in records if r.valid and id(r) not in keyless]
        )
        producer.close()
        assert report.ok
        forged = enrolled("61.72", 1, prefix="FORGED")[0]  # by a principal that may only read alerts
        assert refused(lambda: publish(broker.access("ucj-notifier"), PARTICIPANT_EVENTS, forged.value, forged.key))

        def done() -> dict | None:
            metrics = worker.metrics()
            lag = {s.labels["partition"]: s.value for s in metrics.get("ucj_consumer_lag_messages", [])}
            return metrics if lag and set(lag.values()) == {0} and _events_seen(metrics) >= len(records) else None

        metrics = wait_until(
            done, f"{len(records)} events processed as ucj-worker", timeout=600, every=1, processes=[worker]
        )
        expected, exported = true_counts(records, NOW.date()), exported_active(metrics)
        tree = Registry(registry_url).region_tree()
        for level in ("province", "regency", "district"):
            assert differences(exported, expected, tree.codes_at(level)) == {}, level
        assert sum(s.value for s in metrics["ucj_dead_letters"] if s.name.endswith("_total")) == len(invalid)
        assert len(read_to_end(broker.access(), DEAD_LETTER)) == len(invalid)  # written as ucj-worker
        assert all(b"FORGED" not in m.value for m in read_to_end(broker.access(), PARTICIPANT_EVENTS))
    finally:
        worker.stop()


def _events_seen(metrics: dict) -> int:
    return sum(
        int(s.value)
        for s in metrics.get("ucj_events", [])
        if s.name.endswith("_total") and s.labels["outcome"] != "rekeyed"
    )


def test_an_alert_reaches_its_coordinator_once_and_a_forged_one_never(broker, small_registry, tmp_path):
    from tests.integration.receivers import HttpReceiver, NotifierProcess, SmtpReceiver

    smtp, http = SmtpReceiver(), HttpReceiver()
    registry = Registry(small_registry)
    registry.add_coordinator("Disnaker Bengkayang", BEHIND, webhook_url=http.url + "/bengkayang")
    send_raw(broker.access("ucj-producer"), [r for code in REGENCIES for r in enrolled(code, 60)])
    worker = WorkerProcess(
        broker.bootstrap, small_registry, tmp_path, options=HOLD, kafka_env=env_of(broker, "ucj-worker")
    )
    notifier = NotifierProcess(
        broker.bootstrap,
        small_registry,
        tmp_path,
        smtp.port,
        kafka_env=env_of(broker, "ucj-notifier"),
        admin=broker.access(),
    )
    try:
        worker.wait_ready()
        wait_until(lambda: all_on_track(worker), "the regencies on track", processes=[worker])
        assert read_alert_log(broker.access()) == []

        forged = json.dumps(
            {
                "kind": "coverage_status",
                "region_code": BEHIND,
                "transition": "raised",
                "text": "transfer the assistance to account 123",
            }
        )
        assert refused(lambda: publish(broker.access("ucj-gateway"), COVERAGE_ALERTS, forged.encode()))

        send_raw(broker.access("ucj-producer"), lapsed(BEHIND, 20))
        wait_until(lambda: http.received(), "the alert delivered by webhook", processes=[worker, notifier])
        notifier.wait_settled(registry)
        [(path, _, body)] = http.requests
        assert (
            path == "/bengkayang"
            and body["alert"]["transition"] == "raised"
            and body["alert"]["figures"]["gap_workers"] == 10
        )
        assert [t.transition for t in read_alert_log(broker.access())] == [
            "raised"
        ]  # written by ucj-worker, and nothing else
    finally:
        notifier.stop()
        worker.stop()
        smtp.stop()
        http.stop()
        registry.close()
