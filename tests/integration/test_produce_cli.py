"""`ucj produce FILE` against a real broker."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.common.producer import EventPublisher, kafka_producer
from services.registry import Registry
from streams.broker.topics import PARTICIPANT_EVENTS
from streams.domain.nik import contains_nik
from streams.domain.pseudonym import Pseudonymizer
from tests.integration.conftest import FIXED_NOW
from tests.streams.domain.factories import DROP, NIK, wire
from tests.tools import child_env

pytestmark = pytest.mark.integration


def produce(args, bootstrap, registry_url, data_dir, stdin=None, **env):
    env = child_env(
        UCJ_KAFKA_BOOTSTRAP=bootstrap,
        UCJ_DATABASE_URL=registry_url,
        UCJ_CLOCK=FIXED_NOW,
        UCJ_DATA_DIR=str(data_dir),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "produce", *args], env=env, input=stdin, capture_output=True, timeout=120
    )


def read_records(bootstrap: str, topic: str, timeout: float = 60) -> list[ConsumerRecord]:
    """Every message on `topic`, read up to the end offsets it has now."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        received: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"{topic} not read to its end in {timeout:.0f} s"
            for records in consumer.poll(timeout_ms=500).values():
                received.extend(records)
        return received
    finally:
        consumer.close()


def read_topic(bootstrap: str, topic: str, timeout: float = 60) -> dict[str, bytes]:
    """Value -> key of every message on `topic`, read up to the end offsets it has now."""
    return {record.value.decode(): record.key for record in read_records(bootstrap, topic, timeout)}


def every_topic(bootstrap: str) -> set[str]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return {topic for topic in consumer.topics() if not topic.startswith("__")}
    finally:
        consumer.close()


def test_produce_sends_valid_lines_keyed_and_reports_each_rejected_line(kafka_bootstrap, registry_url, tmp_path):
    lines = [
        json.dumps(wire(event_id="a", participant_id="P-A")),
        json.dumps(wire(event_id="b", participant_id="P-B", region_code="61.99.99.9999")),
        "",
        "{not json",
        json.dumps(wire("lapse", event_id="c", participant_id="P-A")),
        json.dumps(wire("assistance_payment", event_id="d", participant_id="P-C")),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = produce([str(path)], kafka_bootstrap, registry_url, tmp_path)
    assert result.returncode == 1
    assert result.stdout.decode().strip().endswith("3 lines sent, 2 rejected, 0 not delivered")
    errors = result.stderr.decode()
    assert f"{path}:2: rejected: unknown_region" in errors
    assert f"{path}:4: rejected: not_json" in errors

    assert read_topic(kafka_bootstrap, PARTICIPANT_EVENTS) == {lines[0]: b"P-A", lines[4]: b"P-A", lines[5]: b"P-C"}


def test_produce_reads_stdin(kafka_bootstrap, registry_url, tmp_path):
    result = produce(
        ["-"], kafka_bootstrap, registry_url, tmp_path, stdin=json.dumps(wire(event_id="z")).encode() + b"\n"
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"1 lines sent, 0 rejected" in result.stdout


# Three well-formed NIKs (a woman's birth day is +40), each typed one way for the CLI and another in Python.
NIKS = {
    NIK: ("6171 0141 0190 0001", "61.71.01.410190.0001"),
    "6107055203850042": ("6107-0552-0385-0042", "6107055203850042"),
    "6172011512990123": ("61720115129901 23", "6172/0115/1299/0123"),
}


def test_produce_pseudonymize_and_event_publisher_give_one_id_per_nik_and_no_nik_reaches_kafka(
    kafka_bootstrap, registry_url, tmp_path
):
    key = "a-test-pseudonym-key-of-at-least-32-bytes"
    by_cli = [
        json.dumps(wire(event_id=f"cli-{n}", participant_id=DROP, nik=typed[0]))
        for n, typed in enumerate(NIKS.values())
    ]
    by_cli += [
        json.dumps(wire(event_id="cli-bad", participant_id=DROP, nik="6100014101900001")),  # regency 00
        json.dumps(wire(event_id="cli-both", nik=NIK)),
    ]
    path = tmp_path / "with-niks.jsonl"
    path.write_text("\n".join(by_cli) + "\n")

    result = produce(["--pseudonymize", str(path)], kafka_bootstrap, registry_url, tmp_path, UCJ_PSEUDONYM_KEY=key)
    output = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 1, output
    assert result.stdout.decode().strip().endswith("3 lines sent, 2 rejected, 0 not delivered")
    assert f"{path}:4: rejected: bad_nik" in output and f"{path}:5: rejected: nik_and_participant_id" in output
    unflagged = produce([str(path)], kafka_bootstrap, registry_url, tmp_path)
    assert f"{path}:1: rejected: raw_nik" in unflagged.stderr.decode() and "--pseudonymize" in unflagged.stderr.decode()
    assert b"0 lines sent" in unflagged.stdout
    assert not contains_nik(output + unflagged.stdout.decode() + unflagged.stderr.decode())

    pseudonymizer = Pseudonymizer(key.encode())
    producer = kafka_producer(kafka_bootstrap)
    try:
        publisher = EventPublisher(
            producer,
            Registry(registry_url).region_tree(),
            lambda: datetime.fromisoformat(FIXED_NOW),
            pseudonymizer=pseudonymizer,
        )
        lines = [
            json.dumps(wire(event_id=f"py-{n}", participant_id=DROP, nik=typed[1])).encode()
            for n, typed in enumerate(NIKS.values())
        ]
        report = publisher.publish(lines)
    finally:
        producer.close()
    assert report.ok and report.sent == 3, report

    records = read_records(kafka_bootstrap, PARTICIPANT_EVENTS)
    key_of = {json.loads(record.value)["event_id"]: record.key for record in records}
    assert len(records) == 6
    for n, nik in enumerate(NIKS):
        assert key_of[f"cli-{n}"] == key_of[f"py-{n}"] == pseudonymizer.participant_id(nik).encode()
    for topic in every_topic(kafka_bootstrap):
        for record in read_records(kafka_bootstrap, topic):
            parts = [record.key or b"", record.value or b""] + [
                part for header in record.headers for part in (header[0].encode(), header[1] or b"")
            ]
            for part in parts:
                text = part.decode("latin-1")
                assert not contains_nik(text) and not any(nik in text for nik in NIKS), (topic, record)
