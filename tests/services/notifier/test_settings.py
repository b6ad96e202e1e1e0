import pytest

from services.cli import build_parser
from services.notifier.settings import boolean, smtp_settings


def test_boolean():
    assert boolean("true") and boolean("1") and boolean("YES")
    assert not boolean("false") and not boolean("0") and not boolean("")
    with pytest.raises(ValueError):
        boolean("maybe")


def notifier_args(*argv: str):
    return build_parser().parse_args(["notifier", *argv])


def test_smtp_settings_from_flags_and_the_password_file(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n")
    secret.chmod(0o600)  # a secret file must be private (services/common/secrets.py)
    settings = smtp_settings(
        notifier_args("--smtp-user", "ucj", "--smtp-port", "465", "--smtp-implicit-tls", "true"),
        {"UCJ_SMTP_PASSWORD_FILE": str(secret)},
    )
    assert (settings.user, settings.password, settings.port, settings.tls, settings.ca_file) == (
        "ucj",
        "s3cret",
        465,
        "implicit",
        None,
    )
    assert (
        smtp_settings(notifier_args("--smtp-user", "ucj", "--smtp-starttls", "1"), {"UCJ_SMTP_PASSWORD": "pw"}).password
        == "pw"
    )
    assert smtp_settings(notifier_args(), {}).user is None  # the demo's mail sink: no login, nothing to refuse


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (
            ["--smtp-user", "ucj"],
            {"UCJ_SMTP_PASSWORD": "s3cret"},
            "ucj notifier: refusing to send the SMTP login over an unencrypted connection: turn on --smtp-starttls or "
            "--smtp-implicit-tls, or allow it with --smtp-allow-plaintext-login (UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN)",
        ),
        (
            ["--smtp-starttls", "true", "--smtp-implicit-tls", "true"],
            {},
            "ucj notifier: choose STARTTLS (usually port 587) or implicit TLS (usually port 465), not both",
        ),
        (
            ["--smtp-starttls", "true", "--smtp-ca-file", "/nowhere/ca.pem"],
            {},
            "ucj notifier: cannot use the CA file /nowhere/ca.pem: No such file or directory",
        ),
        (
            ["--smtp-user", "ucj", "--smtp-starttls", "true"],
            {"UCJ_SMTP_PASSWORD": "s3cret", "UCJ_SMTP_PASSWORD_FILE": "/x"},
            "ucj notifier: set UCJ_SMTP_PASSWORD or UCJ_SMTP_PASSWORD_FILE, not both",
        ),
    ],
)
def test_settings_that_cannot_work_stop_the_start_in_one_sentence(argv, environ, message):
    with pytest.raises(SystemExit) as stopped:
        smtp_settings(notifier_args(*argv), environ)
    assert str(stopped.value) == message
    assert "s3cret" not in str(stopped.value)


def test_a_plaintext_login_can_be_allowed():
    settings = smtp_settings(
        notifier_args("--smtp-user", "ucj", "--smtp-allow-plaintext-login"), {"UCJ_SMTP_PASSWORD": "pw"}
    )
    assert settings.allow_plaintext_login and settings.tls == "none"
