"""One Kafka client configuration: settings that do not fit are refused in one sentence, and each
client library gets the same identity."""
import ssl

import faust
import pytest

from streams.kafka_access import KafkaAccess, KafkaAccessError, kafka_access

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
    assert (config["sasl_mechanism"], config["sasl_plain_username"], config["sasl_plain_password"], config["client_id"]) == ("SCRAM-SHA-512", "ucj-worker", "s3cret-pass", "x")
    assert "ssl_context" not in config
    settings = access.faust()
    assert settings["broker"] == "kafka://a:9092;kafka://b:9092"
    credentials = settings["broker_credentials"]
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password, credentials.mechanism.value, credentials.protocol.value) == ("ucj-worker", "s3cret-pass", "SCRAM-SHA-512", "SASL_PLAINTEXT")


def test_tls_verifies_the_broker_certificate_and_host_name():
    access = KafkaAccess("kafka:9093", security_protocol="SASL_SSL", username="u", password="p")
    context = access.kafka_python()["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert access.faust()["broker_credentials"].protocol.value == "SASL_SSL"
    assert isinstance(KafkaAccess("kafka:9093", security_protocol="SSL").faust()["broker_credentials"], faust.SSLCredentials)


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
