"""Unit tests of the local broker's configuration, paths and error messages (no JVM started)."""

from __future__ import annotations

import argparse
import socket

import pytest

from services.dev.kafka_local import cli, manager
from tests.services.dev.kafka_local.ports import free_port_pair


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return dict(pairs)


def test_server_properties_single_node_kraft(tmp_path):
    props = _properties(manager.render_server_properties(19500, tmp_path / "storage"))
    assert props["process.roles"] == "broker,controller"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19500,CONTROLLER://127.0.0.1:19501"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19500"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19501"
    assert props["log.dirs"] == str(tmp_path / "storage")
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["auto.create.topics.enable"] == "false"  # a stray producer must not create a 1-partition events topic
    assert props["num.partitions"] == "1"


def test_log4j_writes_kafka_log_in_data_dir():
    props = _properties(manager._resource_text("log4j.properties"))
    assert props["log4j.appender.file"] == "org.apache.log4j.FileAppender"
    assert props["log4j.appender.file.File"] == "${kafka.logs.dir}/kafka.log"


def test_pom_pins_kafka_and_logging_jars():
    pom = manager._resource_text("pom.xml")
    for coordinate in (
        "<artifactId>kafka_2.13</artifactId>",
        "<version>3.9.1</version>",
        "<artifactId>slf4j-reload4j</artifactId>",
        "<version>1.7.36</version>",
        "<artifactId>reload4j</artifactId>",
        "<version>1.2.25</version>",
    ):
        assert coordinate in pom


def test_default_paths_follow_ucj_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("UCJ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("UCJ_KAFKA_JARS_DIR", raising=False)
    assert manager.default_data_dir(9092) == tmp_path / "kafka" / "data-9092"
    assert manager.jars_dir() == tmp_path / "kafka" / "libs"
    monkeypatch.setenv("UCJ_KAFKA_JARS_DIR", str(tmp_path / "jars"))
    assert manager.jars_dir() == tmp_path / "jars"


def test_java_command_uses_heap_log4j_and_jar_wildcard(tmp_path, monkeypatch):
    monkeypatch.delenv("UCJ_KAFKA_HEAP", raising=False)
    command = manager._java_command("java", tmp_path / "libs", tmp_path, "kafka.Kafka", "server.properties")
    assert command[1] == "-Xmx1g"
    assert f"-Dlog4j.configuration=file:{tmp_path / 'log4j.properties'}" in command
    assert f"-Dkafka.logs.dir={tmp_path}" in command
    assert command[command.index("-cp") + 1] == f"{tmp_path / 'libs'}/*"
    assert command[-2:] == ["kafka.Kafka", "server.properties"]
    monkeypatch.setenv("UCJ_KAFKA_HEAP", "256m")
    assert manager._java_command("java", tmp_path, tmp_path, "kafka.Kafka")[1] == "-Xmx256m"


def test_jar_cache_complete_only_with_marker_of_current_pom(tmp_path):
    assert not manager.jars_complete(tmp_path)
    (tmp_path / manager.COMPLETE_MARKER).write_text("hash of an older pom")
    assert not manager.jars_complete(tmp_path)
    (tmp_path / manager.COMPLETE_MARKER).write_text(manager._pom_hash())
    assert manager.jars_complete(tmp_path)


def test_missing_java_is_named_with_install_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(manager.shutil, "which", lambda name: None)
    with pytest.raises(manager.MissingToolError, match="`java` was not found.*apt-get install") as caught:
        manager.ensure_broker(port=free_port_pair(), data_dir=tmp_path)
    assert caught.value.exit_code == 2


def test_missing_mvn_only_matters_without_jar_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UCJ_KAFKA_JARS_DIR", str(tmp_path))
    monkeypatch.setattr(manager.shutil, "which", lambda name: None)
    with pytest.raises(manager.MissingToolError, match="`mvn` was not found"):
        manager.ensure_jars()
    (tmp_path / manager.COMPLETE_MARKER).write_text(manager._pom_hash())
    assert manager.ensure_jars() == tmp_path


def test_port_used_by_another_process_is_reported(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(manager.KafkaLocalError, match=f"port {port} is already in use"):
            manager.ensure_broker(port=port, data_dir=tmp_path)


def test_stale_pid_file_means_stopped(tmp_path):
    (tmp_path / "kafka.pid").write_text("999999999\n")
    assert not manager.broker_status(19500, tmp_path).running
    assert manager.stop_broker(19500, tmp_path) is False
    assert not (tmp_path / "kafka.pid").exists()


def test_status_and_down_when_stopped(tmp_path, capsys):
    parser = _parser()
    assert _run(parser, "status", "--data-dir", str(tmp_path)) == cli.STATUS_NOT_RUNNING
    assert "stopped" in capsys.readouterr().out
    assert _run(parser, "down", "--data-dir", str(tmp_path)) == 0
    assert "not running" in capsys.readouterr().out


@pytest.mark.parametrize("action", ["up", "down", "status"])
def test_help_lists_environment(action, capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(["kafka", action, "--help"])
    text = capsys.readouterr().out
    for name in ("UCJ_DATA_DIR", "UCJ_KAFKA_JARS_DIR", "UCJ_KAFKA_HEAP", "PORT+1"):
        assert name in text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ucj")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(parser: argparse.ArgumentParser, *argv: str) -> int:
    args = parser.parse_args(["kafka", *argv])
    return args.run(args)
