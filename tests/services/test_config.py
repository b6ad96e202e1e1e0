from datetime import timedelta

import pytest

from services.config import Settings, duration


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
    assert Settings.from_env({"UCJ_DATABASE_URL_FILE": str(secret)}).database_url == url
    assert Settings.from_env({"UCJ_DATA_DIR": str(tmp_path)}).database_url == f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.mark.parametrize("env, message", [
    ({"UCJ_DATABASE_URL": "sqlite://", "UCJ_DATABASE_URL_FILE": "/run/secrets/database_url"}, "set UCJ_DATABASE_URL or UCJ_DATABASE_URL_FILE, not both"),
    ({"UCJ_DATABASE_URL_FILE": "/nonexistent/database_url"}, "cannot read UCJ_DATABASE_URL_FILE /nonexistent/database_url: No such file or directory"),
])
def test_a_wrong_database_url_file_is_one_sentence(env, message):
    with pytest.raises(SystemExit) as raised:
        Settings.from_env(env)
    assert str(raised.value) == message
