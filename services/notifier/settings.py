"""The notifier's settings: flags, with environment variables as defaults."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Mapping

from services.common.secrets import SecretError, read_secret

if TYPE_CHECKING:  # imported when used: every `ucj` command reads this module for its --help
    from services.notifier.channels.smtp import SmtpSettings

# name -> (default, meaning); printed in `ucj notifier --help`
ENVIRONMENT = {
    "UCJ_NOTIFIER_PORT": ("6070", "port of the notifier's /metrics"),
    "UCJ_NOTIFIER_LANGUAGE": ("id", "default message language, id or en (a coordinator's own language wins)"),
    "UCJ_DASHBOARD_URL": ("", "Grafana base URL for the dashboard link in messages (no link when empty)"),
    "UCJ_ALERTMANAGER_URL": ("", "Alertmanager base URL; alerts are also posted to its /api/v2/alerts"),
    "UCJ_SMTP_HOST": ("127.0.0.1", "SMTP server"),
    "UCJ_SMTP_PORT": ("25", "SMTP port"),
    "UCJ_SMTP_USER": ("", "SMTP login user (no login when empty)"),
    "UCJ_SMTP_PASSWORD": ("", "SMTP login password (environment only, never a flag)"),
    "UCJ_SMTP_PASSWORD_FILE": ("", "a file holding the SMTP password, instead of UCJ_SMTP_PASSWORD"),
    "UCJ_SMTP_STARTTLS": ("false", "true: upgrade the SMTP connection with STARTTLS (usually port 587)"),
    "UCJ_SMTP_IMPLICIT_TLS": ("false", "true: TLS from the first byte, SMTPS (usually port 465)"),
    "UCJ_SMTP_CA_FILE": ("", "PEM file of the CAs the SMTP server's certificate must chain to (default: the system's)"),
    "UCJ_SMTP_ALLOW_PLAINTEXT_LOGIN": ("false", "true: allow the SMTP login over an unencrypted connection"),
    "UCJ_SMTP_FROM": ("UCJ coverage monitor <ucj-notifier@localhost>", "From address of alert emails"),
    "UCJ_NOTIFIER_RETRY_INITIAL": ("5s", "delay after a first failed attempt; it doubles on every failure"),
    "UCJ_NOTIFIER_RETRY_MAX": ("15m", "longest delay between attempts"),
    "UCJ_NOTIFIER_GIVE_UP_AFTER": ("24h", "age at which an undelivered message is given up (status failed)"),
}


def env(name: str) -> str:
    return os.environ.get(name) or ENVIRONMENT[name][0]


def boolean(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def environment_help() -> str:
    lines = ["notifier environment (flags win):"]
    width = max(map(len, ENVIRONMENT))
    for name, (default, meaning) in ENVIRONMENT.items():
        lines.append(f"  {name:<{width}} {meaning}" + (f" (default {default})" if default else ""))
    return "\n".join(lines)


def smtp_settings(args, environ: Mapping[str, str] | None = None) -> SmtpSettings:
    """SMTP settings from the parsed `--smtp-*` flags and the password from UCJ_SMTP_PASSWORD or
    UCJ_SMTP_PASSWORD_FILE; exits with the one-sentence reason when they cannot work."""
    from services.notifier.channels.smtp import SmtpSettings

    try:
        password = read_secret("UCJ_SMTP_PASSWORD", environ)
    except SecretError as error:
        raise SystemExit(f"ucj notifier: {error}") from None
    settings = SmtpSettings(
        host=args.smtp_host,
        port=args.smtp_port,
        user=args.smtp_user or None,
        password=password,
        starttls=args.smtp_starttls,
        implicit_tls=args.smtp_implicit_tls,
        ca_file=args.smtp_ca_file or None,
        allow_plaintext_login=args.smtp_allow_plaintext_login,
        sender=args.smtp_from,
        timeout=args.smtp_timeout.total_seconds(),
    )
    problem = settings.problem()
    if problem is not None:
        raise SystemExit(f"ucj notifier: {problem}")
    return settings
