import dataclasses
from datetime import timedelta

import pytest

from services.common.config import Settings, duration, kafka_from_flag


@pytest.mark.parametrize(
    "text, expected",
    [("90", 90), ("90s", 90), ("500ms", 0.5), ("15m", 900), ("24h", 86400), ("7d", 7 * 86400), ("0.2s", 0.2)],
)
def test_duration(text, expected):
    assert duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("text", ["", "abc", "5 minutes", "-5s", "1w"])
def test_bad_duration(text):
    with pytest.raises(ValueError):
        duration(text)


def test_the_database_url_comes_from_the_environment_or_a_file(tmp_path):
    url = "postgresql+psycopg://ucj:s3cret@postgres:5432/ucj"
    assert Settings.from_env({"UCJ_DATABASE_URL": url}).database_url == url
    secret = tmp_path / "database_url"
    secret.write_text(url + "\n", encoding="utf-8")  # as `echo` writes it
    secret.chmod(0o600)  # a secret file must be private (services/common/secrets.py)
    assert Settings.from_env({"UCJ_DATABASE_URL_FILE": str(secret)}).database_url == url
    assert Settings.from_env({"UCJ_DATA_DIR": str(tmp_path)}).database_url == f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.mark.parametrize(
    "env, message",
    [
        (
            {"UCJ_DATABASE_URL": "sqlite://", "UCJ_DATABASE_URL_FILE": "/run/secrets/database_url"},
            "set UCJ_DATABASE_URL or UCJ_DATABASE_URL_FILE, not both",
        ),
        (
            {"UCJ_DATABASE_URL_FILE": "/nonexistent/database_url"},
            "cannot read UCJ_DATABASE_URL_FILE /nonexistent/database_url: No such file or directory",
        ),
    ],
)
def test_a_wrong_database_url_file_is_one_sentence(env, message):
    with pytest.raises(SystemExit) as raised:
        Settings.from_env(env)
    assert str(raised.value) == message


def test_kafka_identity_comes_from_the_environment_with_the_password_from_a_file(tmp_path):
    assert Settings.from_env({}).kafka.security_protocol == "PLAINTEXT"
    password = tmp_path / "worker.password"
    password.write_text("from-a-file\n")
    password.chmod(0o600)
    env = {
        "UCJ_KAFKA_BOOTSTRAP": "kafka:9092",
        "UCJ_KAFKA_SECURITY_PROTOCOL": "sasl_plaintext",
        "UCJ_KAFKA_USERNAME": "ucj-worker",
        "UCJ_KAFKA_PASSWORD_FILE": str(password),
    }
    settings = Settings.from_env(env)
    kafka = settings.kafka
    assert (kafka.bootstrap, kafka.security_protocol, kafka.sasl_mechanism, kafka.username, kafka.password) == (
        "kafka:9092",
        "SASL_PLAINTEXT",
        "SCRAM-SHA-512",
        "ucj-worker",
        "from-a-file",
    )
    assert settings.kafka_bootstrap == "kafka:9092"
    assert kafka_from_flag("other:9092", settings) == dataclasses.replace(kafka, bootstrap="other:9092")
    assert kafka_from_flag(None, settings) is kafka


@pytest.mark.parametrize(
    "env, message",
    [
        (
            {"UCJ_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "UCJ_KAFKA_USERNAME": "ucj-worker"},
            "needs UCJ_KAFKA_USERNAME and UCJ_KAFKA_PASSWORD",
        ),
        ({"UCJ_KAFKA_PASSWORD": "p", "UCJ_KAFKA_PASSWORD_FILE": "/tmp/p"}, "not both"),
    ],
)
def test_kafka_settings_that_do_not_fit_stop_the_start_in_one_sentence(env, message):
    with pytest.raises(SystemExit, match=message):
        Settings.from_env(env)
