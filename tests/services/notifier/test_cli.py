import pytest

from services.cli import build_parser, main


def test_help_explains_channels_settings_and_the_in_doubt_window(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["notifier", "--help"])
    text = capsys.readouterr().out
    for expected in (
        "ucj.coverage-alerts",
        "operations list",
        "Idempotency-Key",
        "Message-ID",
        "--alertmanager-url",
        "--dashboard-url",
        "--language",
        "--metrics-port",
        "--retry-initial",
        "--give-up-after",
        "UCJ_SMTP_HOST",
        "UCJ_SMTP_STARTTLS",
        "UCJ_NOTIFIER_PORT",
        "ucj notifier deliveries",
        "X-UCJ-Signature",
        "rotate-secret",
        "--smtp-implicit-tls",
        "--smtp-ca-file",
        "--smtp-allow-plaintext-login",
        "UCJ_SMTP_IMPLICIT_TLS",
        "UCJ_SMTP_CA_FILE",
        "UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN",
        "UCJ_SMTP_PASSWORD_FILE",
    ):
        assert expected in text, expected


def test_defaults_and_environment(monkeypatch):
    args = build_parser().parse_args(["notifier"])
    assert (args.language, args.metrics_port, args.smtp_port, args.smtp_host) == ("id", 6070, 25, "127.0.0.1")
    assert args.retry_initial.total_seconds() == 5 and args.retry_max.total_seconds() == 900
    assert args.give_up_after.total_seconds() == 86400
    monkeypatch.setenv("UCJ_NOTIFIER_PORT", "7070")
    monkeypatch.setenv("UCJ_SMTP_STARTTLS", "true")
    monkeypatch.setenv("UCJ_NOTIFIER_RETRY_INITIAL", "250ms")
    args = build_parser().parse_args(["notifier", "--smtp-port", "2525"])
    assert (args.metrics_port, args.smtp_starttls, args.smtp_port) == (7070, True, 2525)
    assert args.retry_initial.total_seconds() == 0.25
    assert (args.smtp_implicit_tls, args.smtp_ca_file, args.smtp_allow_plaintext_login) == (False, None, False)
    monkeypatch.setenv("UCJ_SMTP_IMPLICIT_TLS", "yes")
    monkeypatch.setenv("UCJ_SMTP_CA_FILE", "/etc/ucj/smtp-ca.pem")
    monkeypatch.setenv("UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN", "true")
    args = build_parser().parse_args(["notifier"])
    assert (args.smtp_implicit_tls, args.smtp_ca_file, args.smtp_allow_plaintext_login) == (
        True,
        "/etc/ucj/smtp-ca.pem",
        True,
    )
    monkeypatch.delenv("UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN")
    assert build_parser().parse_args(["notifier", "--smtp-allow-plaintext-login"]).smtp_allow_plaintext_login is True
    assert (
        build_parser().parse_args(["notifier", "--smtp-allow-plaintext-login", "no"]).smtp_allow_plaintext_login
        is False
    )


def test_a_bad_duration_is_an_argument_error(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["notifier", "--retry-max", "soon"])
    assert "--retry-max" in capsys.readouterr().err


def test_a_bad_environment_value_does_not_break_other_commands(monkeypatch):
    monkeypatch.setenv("UCJ_SMTP_PORT", "twenty-five")
    assert build_parser().parse_args(["registry", "show"]).command == "registry"


def test_an_uninitialised_registry_is_one_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("UCJ_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    assert main(["notifier", "deliveries"]) == 1
    assert "ucj registry init" in capsys.readouterr().err


def test_deliveries_lists_the_log(registry, monkeypatch, capsys):
    from datetime import datetime, timezone

    from services.registry import NewDelivery

    registry.enqueue_deliveries(
        [NewDelivery("t:1", "t", "61.07", "email", "a@x.go.id", None, "{}")], datetime.now(timezone.utc)
    )
    monkeypatch.setenv("UCJ_DATABASE_URL", registry.database_url)
    assert main(["notifier", "deliveries", "--status", "pending"]) == 0
    captured = capsys.readouterr()
    assert "pending" in captured.out and "a@x.go.id" in captured.out and "t:1" in captured.out
    assert "email pending: 1" in captured.err
