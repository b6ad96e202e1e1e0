"""`ucj produce FILE` against a real broker."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from kafka import KafkaConsumer

from streams.topics import PARTICIPANT_EVENTS
from tests.integration.conftest import FIXED_NOW
from tests.streams.domain.factories import wire

pytestmark = pytest.mark.integration


def produce(args, bootstrap, registry_url, stdin=None):
    env = dict(os.environ, UCJ_KAFKA_BOOTSTRAP=bootstrap, UCJ_DATABASE_URL=registry_url, UCJ_CLOCK=FIXED_NOW)
    return subprocess.run([sys.executable, "-m", "services.cli", "produce", *args], env=env, input=stdin, capture_output=True, timeout=120)


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

    result = produce([str(path)], kafka_bootstrap, registry_url)
    assert result.returncode == 1
    assert result.stdout.decode().strip().endswith("3 lines sent, 2 rejected, 0 not delivered")
    errors = result.stderr.decode()
    assert f"{path}:2: rejected: unknown_region" in errors
    assert f"{path}:4: rejected: not_json" in errors

    consumer = KafkaConsumer(PARTICIPANT_EVENTS, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=5000)
    received = {m.value.decode(): m.key for m in consumer}
    consumer.close()
    assert received == {lines[0]: b"P-A", lines[4]: b"P-A", lines[5]: b"P-C"}


def test_produce_reads_stdin(kafka_bootstrap, registry_url):
    result = produce(["-"], kafka_bootstrap, registry_url, stdin=json.dumps(wire(event_id="z")).encode() + b"\n")
    assert result.returncode == 0, result.stderr.decode()
    assert b"1 lines sent, 0 rejected" in result.stdout
