"""`ucj kafka credentials` and `ucj kafka acls` without --port find the secure broker that runs
under UCJ_DATA_DIR (`ucj kafka up --secure --port P`, or the demo's), and otherwise say how to
name one, instead of telling the user to start a broker that already runs (issue 22)."""

from __future__ import annotations

import os

import pytest

from services.dev.kafka_local import manager
from services.dev.kafka_local import secure as security
from tests.services.dev.kafka_local.test_broker import _ucj_kafka


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    monkeypatch.setenv("UCJ_DATA_DIR", str(tmp_path))
    running = set()
    monkeypatch.setattr(manager, "_is_alive", lambda pid: pid in running)

    def broker(data_dir, port: int, secure: bool = True, alive: bool = True):
        """A data dir as `ucj kafka up` leaves it, its broker running (alive) or not."""
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "server.properties").write_text(f"advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{port}\n")
        pid = 100_000 + port
        (data_dir / "kafka.pid").write_text(str(pid))
        if alive:
            running.add(pid)
        if secure:
            security.ensure_passwords(data_dir)
        return data_dir

    return tmp_path, broker


def exports(out: str) -> dict[str, str]:
    return dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if line.startswith("export "))


def test_credentials_find_the_secure_broker_running_on_another_port(data_root, capsys):
    root, broker = data_root
    broker(root / "kafka" / "data-19092", 19092)
    assert _ucj_kafka("credentials", "ucj-worker") == 0
    out, err = capsys.readouterr()
    assert exports(out)["UCJ_KAFKA_BOOTSTRAP"] == "127.0.0.1:19092"
    assert exports(out)["UCJ_KAFKA_PASSWORD_FILE"] == str(
        security.password_file(root / "kafka" / "data-19092", "ucj-worker")
    )
    assert "127.0.0.1:19092" in err


def test_credentials_find_the_demos_broker(data_root, capsys):
    root, broker = data_root
    broker(root / "demo" / "kafka", 29092)
    assert _ucj_kafka("credentials", "ucj-producer") == 0
    assert exports(capsys.readouterr().out)["UCJ_KAFKA_BOOTSTRAP"] == "127.0.0.1:29092"


def test_a_plain_or_stopped_broker_is_not_taken(data_root, capsys):
    root, broker = data_root
    broker(root / "kafka" / "data-19092", 19092, secure=False)
    broker(root / "kafka" / "data-19192", 19192, alive=False)
    assert _ucj_kafka("credentials", "ucj-worker") == 1
    err = capsys.readouterr().err
    assert "no secure broker runs under" in err and "--port PORT" in err and "ucj kafka up --secure" in err


def test_two_running_secure_brokers_are_named_with_their_ports(data_root, capsys):
    root, broker = data_root
    broker(root / "kafka" / "data-19092", 19092)
    broker(root / "kafka" / "data-19192", 19192)
    assert _ucj_kafka("acls") == 1
    err = capsys.readouterr().err
    assert "several secure brokers run" in err and "19092" in err and "19192" in err and "--port PORT" in err


def test_the_default_ports_secure_data_dir_comes_first(data_root, capsys):
    root, broker = data_root
    broker(root / "kafka" / "data-9092", 9092, alive=False)  # credentials are printed for a stopped broker too
    broker(root / "kafka" / "data-19092", 19092)
    assert _ucj_kafka("credentials", "ucj-worker") == 0
    assert exports(capsys.readouterr().out)["UCJ_KAFKA_BOOTSTRAP"] == "127.0.0.1:9092"


def test_an_explicit_port_is_taken_as_given(data_root, capsys):
    root, broker = data_root
    broker(root / "kafka" / "data-19092", 19092)
    assert _ucj_kafka("credentials", "ucj-worker", "--port", "19192") == 1
    assert "has no logins; start one with `ucj kafka up --secure --port 19192`" in capsys.readouterr().err
    assert _ucj_kafka("credentials", "ucj-worker", "--port", "19092") == 0
    assert exports(capsys.readouterr().out)["UCJ_KAFKA_BOOTSTRAP"] == "127.0.0.1:19092"


def test_acls_of_a_found_broker_that_stopped_name_its_port(data_root, capsys, monkeypatch):
    root, broker = data_root
    broker(root / "kafka" / "data-19092", 19092, alive=False)
    assert _ucj_kafka("acls", "--port", "19092") == manager.KafkaLocalError.exit_code
    assert "start it with `ucj kafka up --secure --port 19092`" in capsys.readouterr().err
    assert os.environ["UCJ_DATA_DIR"] == str(root)
