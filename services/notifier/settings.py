"""The notifier's settings: flags, with environment variables as defaults."""
from __future__ import annotations

import os

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
    "UCJ_SMTP_STARTTLS": ("false", "true: upgrade the SMTP connection with STARTTLS"),
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
    for name, (default, meaning) in ENVIRONMENT.items():
        lines.append(f"  {name:<27} {meaning}" + (f" (default {default})" if default else ""))
    return "\n".join(lines)
