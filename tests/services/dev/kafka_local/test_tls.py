"""The TLS broker (`ucj kafka up --secure --tls`): its certificate and settings, and a real broker
that serves SASL_SSL to a client trusting its CA and refuses one that does not.

The certificate and settings tests start no JVM; the broker tests (marked integration) start one
on a free port triple.
"""

from __future__ import annotations

import shlex
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from services.common.config import Settings
from services.dev.kafka_local import manager
from services.dev.kafka_local import secure as security
from streams.broker.kafka_access import KafkaAccess
from tests.services.dev.kafka_local.ports import free_port_triple
from tests.services.dev.kafka_local.test_broker import _ucj_kafka
from tests.tools import child_env, copy_registry, require_tool

OPENSSL_HINT = "e.g. `apt-get install openssl`"


@pytest.fixture
def openssl() -> str:
    return require_tool("openssl", OPENSSL_HINT)


# ---- no JVM --------------------------------------------------------------------------------------


def test_the_certificate_is_made_once_for_127_0_0_1_and_localhost(tmp_path, openssl):
    keystore = security.ensure_certificates(tmp_path, openssl)
    ca = security.ca_file(tmp_path)
    assert keystore == security.keystore_file(tmp_path)
    assert sorted(path.name for path in security.tls_dir(tmp_path).iterdir()) == [
        "broker.pem",
        "ca.pem",
    ]  # no CA key left
    assert stat.S_IMODE(keystore.stat().st_mode) == 0o600 and stat.S_IMODE(ca.stat().st_mode) == 0o644
    chain = keystore.read_text()
    assert chain.count("-----BEGIN PRIVATE KEY-----") == 1 and chain.count("-----BEGIN CERTIFICATE-----") == 2
    names = _openssl(openssl, "x509", "-in", keystore, "-noout", "-ext", "subjectAltName,extendedKeyUsage")
    assert "IP Address:127.0.0.1" in names and "DNS:localhost" in names and "TLS Web Server Authentication" in names
    assert _openssl(openssl, "verify", "-CAfile", ca, "-purpose", "sslserver", keystore).strip().endswith("OK")

    before = ca.read_bytes(), chain
    assert security.ensure_certificates(tmp_path, openssl) == keystore
    assert (ca.read_bytes(), keystore.read_text()) == before
    other = tmp_path / "other"
    other.mkdir()
    security.ensure_certificates(other, openssl)
    assert security.ca_file(other).read_bytes() != ca.read_bytes()  # a CA of each data dir's own


def test_the_tls_listener_is_sasl_ssl_on_port_plus_two(tmp_path):
    keystore = tmp_path / "tls" / "broker.pem"
    text = manager.render_server_properties(19500, tmp_path / "storage", broker_password="broker-pw", keystore=keystore)
    props = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert (
        props["listeners"] == "SASL_PLAINTEXT://127.0.0.1:19500,CONTROLLER://127.0.0.1:19501,SASL_SSL://127.0.0.1:19502"
    )
    assert props["advertised.listeners"] == "SASL_PLAINTEXT://127.0.0.1:19500,SASL_SSL://127.0.0.1:19502"
    assert (
        props["listener.security.protocol.map"]
        == "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
    )
    assert props["inter.broker.listener.name"] == "SASL_PLAINTEXT"
    assert props["listener.name.sasl_ssl.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert (
        props["listener.name.sasl_ssl.ssl.keystore.type"],
        props["listener.name.sasl_ssl.ssl.keystore.location"],
    ) == ("PEM", str(keystore))
    assert (
        "ssl.truststore.location" not in text
        and "password" not in props["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]
    )
    (tmp_path / "server.properties").write_text(text)
    assert manager._configured_port(tmp_path) == 19500  # the client port, not the TLS one listed after it
    plain = manager.render_server_properties(19500, tmp_path / "storage", broker_password="broker-pw")
    assert "SASL_SSL" not in plain and "keystore" not in plain


def test_the_tls_settings_name_the_ca_file(tmp_path):
    security.ensure_passwords(tmp_path)
    env = security.environment("127.0.0.1:19502", tmp_path, "ucj-producer", tls=True)
    assert env["UCJ_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" and env["UCJ_KAFKA_CA_FILE"] == str(
        security.ca_file(tmp_path)
    )
    assert "UCJ_KAFKA_CA_FILE" not in security.environment("127.0.0.1:19500", tmp_path, "ucj-producer")


def test_tls_needs_the_logins_of_a_secure_broker(tmp_path, capsys):
    with pytest.raises(manager.KafkaLocalError, match="--tls needs --secure"):
        manager.ensure_broker(free_port_triple(), tmp_path, secure=False, tls=True)
    security.ensure_passwords(tmp_path)  # a secure data dir, made without --tls
    assert _ucj_kafka("credentials", "ucj-producer", "--tls", "--data-dir", str(tmp_path)) == 1
    assert "has no TLS listener; start it with `ucj kafka up --secure --tls" in capsys.readouterr().err


# ---- a real broker -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory):
    """A data dir for a TLS broker on a free port triple; the broker is stopped whatever the outcome."""
    require_tool("java", manager.INSTALL_HINT)
    require_tool("openssl", OPENSSL_HINT)
    if not manager.jars_complete(manager.jars_dir()):  # jars are cached, so mvn is needed only once
        require_tool("mvn", manager.INSTALL_HINT)
    data_dir = tmp_path_factory.mktemp("kafka-tls")
    port = free_port_triple()
    yield port, data_dir
    manager.stop_broker(port, data_dir)


@pytest.mark.integration
def test_a_client_trusting_the_ca_produces_over_tls_and_the_admin_reads_it_back(tls_broker, capsys):
    port, data_dir = tls_broker
    where = ["--port", str(port), "--data-dir", str(data_dir)]
    assert _ucj_kafka("up", "--secure", "--tls", *where, "--timeout", "120") == 0
    out = capsys.readouterr().out
    assert f"127.0.0.1:{port + 2} (SASL_SSL)" in out and str(security.ca_file(data_dir)) in out

    assert _ucj_kafka("credentials", "ucj-producer", "--tls", *where) == 0
    producer = _printed_access(capsys.readouterr().out)
    assert (producer.bootstrap, producer.security_protocol, producer.ca_file) == (
        f"127.0.0.1:{port + 2}",
        "SASL_SSL",
        str(security.ca_file(data_dir)),
    )
    admin = manager.broker_status(port, data_dir).access("ucj-admin", tls=True)
    assert producer.tls_refusal() is None and admin.tls_refusal() is None

    payload = f"over TLS {uuid.uuid4()}".encode()
    assert _read_back(admin, *_produce(producer, payload)) == payload


@pytest.mark.integration
def test_a_client_with_another_ca_is_refused_for_the_certificate(tls_broker, tmp_path, openssl, registry_template):
    port, data_dir = tls_broker
    status = _running(port, data_dir)
    unrelated = tmp_path / "unrelated-ca.pem"
    _openssl(
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        tmp_path / "unrelated-ca.key",
        "-out",
        unrelated,
        "-days",
        "1",
        "-subj",
        "/CN=an unrelated CA",
    )
    refused_before = _handshakes_refused(status)
    empty = tmp_path / "events.jsonl"
    empty.write_text("")
    env = child_env(
        **security.environment(status.tls_bootstrap, data_dir, "ucj-producer", tls=True),
        UCJ_DATA_DIR=str(tmp_path / "state"),
        UCJ_DATABASE_URL=copy_registry(registry_template, tmp_path / "registry.db"),
    )
    env["UCJ_KAFKA_CA_FILE"] = str(unrelated)
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "produce", str(empty)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        f"ucj produce: Kafka at {status.tls_bootstrap} is reachable but the TLS handshake failed: the certificate of"
    )
    assert (
        f"did not verify against UCJ_KAFKA_CA_FILE {unrelated} (self-signed certificate in certificate chain)" in line
    )
    assert "did not accept the login" not in line
    assert _handshakes_refused(status) > refused_before  # the broker saw the client give up on its certificate


@pytest.mark.integration
def test_clients_without_tls_are_refused_on_the_tls_port(tls_broker):
    port, data_dir = tls_broker
    status = _running(port, data_dir)
    plain = KafkaAccess(status.tls_bootstrap)
    sasl_without_tls = security.access(status.tls_bootstrap, data_dir, "ucj-admin")
    assert not manager.broker_answers(plain, timeout=5)
    assert not manager.broker_answers(sasl_without_tls, timeout=5)
    assert manager.broker_answers(status.access("ucj-admin", tls=True), timeout=30)  # the same port, with TLS
    over_tls_to_the_plain_port = KafkaAccess(
        status.bootstrap, "SASL_SSL", username="ucj-admin", password="-", ca_file=str(security.ca_file(data_dir))
    )
    assert "did not complete a TLS handshake" in over_tls_to_the_plain_port.tls_refusal()


@pytest.mark.integration
def test_a_data_dir_with_a_certificate_serves_tls_on_every_start(tls_broker, capsys):
    port, data_dir = tls_broker
    _running(port, data_dir)
    where = ["--port", str(port), "--data-dir", str(data_dir)]
    ca = security.ca_file(data_dir).read_bytes()
    assert _ucj_kafka("down", *where) == 0
    assert _ucj_kafka("up", "--secure", *where, "--timeout", "120") == 0  # no --tls
    assert f"127.0.0.1:{port + 2} (SASL_SSL)" in capsys.readouterr().out
    assert security.ca_file(data_dir).read_bytes() == ca  # the same CA: clients keep trusting it
    status = manager.broker_status(port, data_dir)
    assert status.tls and manager.broker_answers(status.access("ucj-admin", tls=True), timeout=30)
    assert _ucj_kafka("status", *where) == 0
    assert f"TLS {port + 2}" in capsys.readouterr().out


# ---- helpers -------------------------------------------------------------------------------------


def _running(port: int, data_dir: Path) -> manager.BrokerStatus:
    """The broker of the module, started by the first test or, when run alone, here."""
    manager.ensure_broker(port, data_dir, timeout=120, secure=True, tls=True)
    return manager.broker_status(port, data_dir)


def _handshakes_refused(status: manager.BrokerStatus) -> int:
    return status.log_path.read_text(errors="replace").count("(SSL handshake failed)")


def _printed_access(exports: str) -> KafkaAccess:
    """The settings `ucj kafka credentials` printed, read as a service reads its environment."""
    env = {}
    for line in exports.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = shlex.split(value)[0]
    return Settings.from_env(env).kafka


def _produce(access: KafkaAccess, payload: bytes) -> tuple[int, int]:
    from kafka import KafkaProducer

    from streams.broker.topics import PARTICIPANT_EVENTS

    producer = KafkaProducer(**access.kafka_python(client_id="ucj-test-tls"))
    try:
        sent = producer.send(PARTICIPANT_EVENTS, key=b"tls-test", value=payload).get(timeout=60)
    finally:
        producer.close()
    return sent.partition, sent.offset


def _read_back(access: KafkaAccess, partition: int, offset: int) -> bytes:
    from kafka import KafkaConsumer, TopicPartition

    from streams.broker.topics import PARTICIPANT_EVENTS

    consumer = KafkaConsumer(
        **access.kafka_python(client_id="ucj-test-tls", consumer_timeout_ms=60_000, enable_auto_commit=False)
    )
    try:
        where = TopicPartition(PARTICIPANT_EVENTS, partition)
        consumer.assign([where])
        consumer.seek(where, offset)
        return next(iter(consumer)).value
    finally:
        consumer.close()


def _openssl(openssl: str, *arguments) -> str:
    return subprocess.run([openssl, *map(str, arguments)], check=True, capture_output=True, text=True).stdout
