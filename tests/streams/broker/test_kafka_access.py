"""One Kafka client configuration: settings that do not fit are refused in one sentence, and each
client library gets the same identity."""

import ssl

import faust
import pytest

from streams.broker.kafka_access import KafkaAccess, KafkaAccessError, kafka_access

WORKER = dict(security_protocol="SASL_PLAINTEXT", username="ucj-worker", password="s3cret-pass")


def test_a_bare_address_is_a_broker_without_logins():
    access = kafka_access("127.0.0.1:9092")
    assert access == KafkaAccess("127.0.0.1:9092")
    assert access.kafka_python() == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "PLAINTEXT"}
    assert "broker_credentials" not in access.faust()
    assert kafka_access(access) is access


def test_sasl_gives_each_library_the_same_login():
    access = KafkaAccess("a:9092,b:9092", **WORKER)
    config = access.kafka_python(client_id="x")
    assert (
        config["sasl_mechanism"],
        config["sasl_plain_username"],
        config["sasl_plain_password"],
        config["client_id"],
    ) == ("SCRAM-SHA-512", "ucj-worker", "s3cret-pass", "x")
    assert "ssl_context" not in config
    settings = access.faust()
    assert settings["broker"] == "kafka://a:9092;kafka://b:9092"
    credentials = settings["broker_credentials"]
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password, credentials.mechanism.value, credentials.protocol.value) == (
        "ucj-worker",
        "s3cret-pass",
        "SCRAM-SHA-512",
        "SASL_PLAINTEXT",
    )


def test_tls_verifies_the_broker_certificate_and_host_name():
    access = KafkaAccess("kafka:9093", security_protocol="SASL_SSL", username="u", password="p")
    context = access.kafka_python()["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert access.faust()["broker_credentials"].protocol.value == "SASL_SSL"
    assert isinstance(
        KafkaAccess("kafka:9093", security_protocol="SSL").faust()["broker_credentials"], faust.SSLCredentials
    )


def test_the_password_is_in_no_description():
    access = KafkaAccess("k:9092", **WORKER)
    assert "s3cret-pass" not in repr(access) and "s3cret-pass" not in access.describe()
    assert access.describe() == "k:9092 as ucj-worker (SASL_PLAINTEXT)"


@pytest.mark.parametrize(
    "settings, says",
    [
        (dict(security_protocol="SASL"), "UCJ_KAFKA_SECURITY_PROTOCOL must be one of"),
        (dict(WORKER, sasl_mechanism="GSSAPI"), "UCJ_KAFKA_SASL_MECHANISM must be one of"),
        (dict(security_protocol="SASL_PLAINTEXT", username="u"), "needs UCJ_KAFKA_USERNAME and UCJ_KAFKA_PASSWORD"),
        (dict(username="u", password="p"), "sends none"),
        (dict(ca_file="/etc/hostname"), "does not use TLS"),
        (dict(security_protocol="SSL", ca_file="/nonexistent/ca.pem"), "is not a readable file"),
    ],
)
def test_settings_that_do_not_fit_are_refused_in_one_sentence(settings, says):
    with pytest.raises(KafkaAccessError, match=says) as refused:
        KafkaAccess("k:9092", **settings)
    assert "\n" not in str(refused.value)


def test_a_ca_file_without_a_certificate_is_refused(tmp_path):
    empty = tmp_path / "ca.pem"
    empty.write_text("not a certificate\n")
    with pytest.raises(KafkaAccessError, match="holds no usable CA certificate"):
        KafkaAccess("k:9093", security_protocol="SSL", ca_file=str(empty)).ssl_context()


# ---- tls_refusal: a handshake of our own names why TLS fails ----------------------------------

import socket  # noqa: E402
import threading  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from tests.tools import require_tool  # noqa: E402


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """Two data dirs' CAs, as `ucj kafka up --secure --tls` makes them; the first one's broker certificate."""
    from services.dev.kafka_local import secure

    openssl = require_tool("openssl", "e.g. `apt-get install openssl`")
    ours, theirs = tmp_path_factory.mktemp("ours"), tmp_path_factory.mktemp("theirs")
    secure.ensure_certificates(ours, openssl)
    secure.ensure_certificates(theirs, openssl)
    return secure.keystore_file(ours), str(secure.ca_file(ours)), str(secure.ca_file(theirs))


@contextmanager
def listener(host: str, certfile=None):
    """A server on a free port of `host` that does a TLS handshake with each client (or, without
    a certificate, reads a little and hangs up, as a listener without TLS does); its address."""
    server = socket.create_server((host, 0))
    context = None
    if certfile:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                return
            with client:
                client.settimeout(10)
                try:
                    if context:
                        with context.wrap_socket(client, server_side=True):
                            pass
                    else:
                        client.recv(64)
                except (OSError, ssl.SSLError):
                    pass  # the client gave up on the handshake: what the tests provoke

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"{host}:{server.getsockname()[1]}"
    finally:
        stop.set()
        server.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the thread; close() alone does not
        server.close()
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_a_handshake_with_a_trusted_certificate_is_no_refusal(certificates):
    keystore, our_ca, _ = certificates
    with listener("127.0.0.1", keystore) as address:
        assert KafkaAccess(address, security_protocol="SSL", ca_file=our_ca).tls_refusal() is None
        assert (
            KafkaAccess(
                address.replace("127.0.0.1", "localhost"), security_protocol="SSL", ca_file=our_ca
            ).tls_refusal()
            is None
        )


def test_a_certificate_from_another_ca_is_named(certificates):
    keystore, _, their_ca = certificates
    with listener("127.0.0.1", keystore) as address:
        refusal = KafkaAccess(
            address, security_protocol="SASL_SSL", username="u", password="p", ca_file=their_ca
        ).tls_refusal()
        system = KafkaAccess(address, security_protocol="SSL").tls_refusal()
    assert (
        refusal
        == f"the certificate of {address} did not verify against UCJ_KAFKA_CA_FILE {their_ca} (self-signed certificate in certificate chain)"
    )
    assert system.endswith(
        "did not verify against the system's CA certificates (self-signed certificate in certificate chain)"
    )


def test_a_certificate_for_another_address_is_named(certificates):
    keystore, our_ca, _ = certificates
    with listener("127.0.0.2", keystore) as address:  # the certificate names 127.0.0.1 and localhost only
        refusal = KafkaAccess(address, security_protocol="SSL", ca_file=our_ca).tls_refusal()
    assert (
        refusal.startswith(f"the certificate of {address} did not verify")
        and "mismatch" in refusal
        and "127.0.0.2" in refusal
    )


def test_a_port_without_tls_is_named():
    with listener("127.0.0.1") as address:
        refusal = KafkaAccess(address, security_protocol="SSL").tls_refusal()
    assert refusal.startswith(f"{address} did not complete a TLS handshake") and refusal.endswith(
        "is it a TLS listener?"
    )


def test_no_tls_or_no_server_is_no_refusal(tmp_path):
    assert (
        KafkaAccess("127.0.0.1:9", security_protocol="SASL_PLAINTEXT", username="u", password="p").tls_refusal() is None
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"  # bound, never listening: refuses connections
        assert KafkaAccess(closed, security_protocol="SSL").tls_refusal() is None
    empty = tmp_path / "ca.pem"
    empty.write_text("not a certificate\n")
    assert (
        "holds no usable CA certificate"
        in KafkaAccess("127.0.0.1:9", security_protocol="SSL", ca_file=str(empty)).tls_refusal()
    )
