"""`ucj produce FILE` against a real broker."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from kafka import KafkaConsumer, TopicPartition

from streams.topics import PARTICIPANT_EVENTS
from tests.integration.conftest import FIXED_NOW
from tests.streams.domain.factories import wire
from tests.tools import child_env

pytestmark = pytest.mark.integration


def produce(args, bootstrap, registry_url, data_dir, stdin=None):
    env = child_env(UCJ_KAFKA_BOOTSTRAP=bootstrap, UCJ_DATABASE_URL=registry_url, UCJ_CLOCK=FIXED_NOW, UCJ_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "services.cli", "produce", *args], env=env, input=stdin, capture_output=True, timeout=120)


def read_topic(bootstrap: str, topic: str, timeout: float = 60) -> dict[str, bytes]:
    """Value -> key of every message on `topic`, read up to the end offsets it has now."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        received: dict[str, bytes] = {}
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"{topic} not read to its end in {timeout:.0f} s"
            for records in consumer.poll(timeout_ms=500).values():
                received.update((record.value.decode(), record.key) for record in records)
        return received
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
    result = produce(["-"], kafka_bootstrap, registry_url, tmp_path, stdin=json.dumps(wire(event_id="z")).encode() + b"\n")
    assert result.returncode == 0, result.stderr.decode()
    assert b"1 lines sent, 0 rejected" in result.stdout
