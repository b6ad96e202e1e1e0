"""Starts a real Kafka broker: `up` (twice), status, produce/consume one message, `down`."""

from __future__ import annotations

import argparse
import uuid

import pytest

from services.dev.kafka_local import cli, manager
from tests.services.dev.kafka_local.ports import free_port_pair
from tests.tools import require_tool

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker_dir(tmp_path_factory):
    """A data dir for a broker on a free port; the broker is stopped whatever the test outcome."""
    require_tool("java", manager.INSTALL_HINT)
    if not manager.jars_complete(manager.jars_dir()):  # jars are cached, so mvn is needed only once
        require_tool("mvn", manager.INSTALL_HINT)
    data_dir = tmp_path_factory.mktemp("kafka")
    port = free_port_pair()
    yield port, data_dir
    manager.stop_broker(port, data_dir)


def test_up_status_produce_consume_down(broker_dir, capsys):
    port, data_dir = broker_dir
    where = ["--port", str(port), "--data-dir", str(data_dir)]

    assert _ucj_kafka("up", *where, "--timeout", "120") == 0
    out = capsys.readouterr().out
    assert "started" in out and f"127.0.0.1:{port}" in out and str(data_dir / "kafka.log") in out

    assert _ucj_kafka("up", *where) == 0
    assert "already running" in capsys.readouterr().out
    assert manager.ensure_broker(port, data_dir) == f"127.0.0.1:{port}"

    assert _ucj_kafka("status", *where) == 0
    assert "running" in capsys.readouterr().out
    assert (data_dir / "kafka.pid").is_file()
    assert "Kafka Server started" in (data_dir / "kafka.log").read_text()

    _produce_and_consume_one(f"127.0.0.1:{port}")

    assert _ucj_kafka("down", *where) == 0
    assert "stopped" in capsys.readouterr().out
    assert _ucj_kafka("status", *where) == cli.STATUS_NOT_RUNNING
    assert _ucj_kafka("down", *where) == 0
    assert "not running" in capsys.readouterr().out


def _produce_and_consume_one(bootstrap: str) -> None:
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
    from kafka.admin import NewTopic

    topic = f"ucj-test-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 1, 1)])  # the dev broker never auto-creates topics
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(topic, b"hello").get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id="ucj-test",
        auto_offset_reset="earliest",
        consumer_timeout_ms=30_000,
    )
    try:
        assert next(iter(consumer)).value == b"hello"
    finally:
        consumer.close()


def _ucj_kafka(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="ucj")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["kafka", *argv])
    return args.run(args)
