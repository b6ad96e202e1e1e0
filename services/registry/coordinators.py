"""Coordinators: who receives the alerts of a region, and over which channels.

A coordinator belongs to a regency (e.g. 61.07) or to the province 61; the coordinators of
the province are the operations list, which receives the province's alerts. Each has an
email address, a webhook, or both. A webhook coordinator has a secret the notifier signs its
webhooks with (X-UCJ-Signature); `add` and `rotate-secret` print it, once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from services.registry.models import LANGUAGES, WEBHOOK_FORMATS

# Levels a coordinator can belong to; district and village alerts go to their regency.
COORDINATOR_LEVELS = ("province", "regency")
MAX_NAME = 200
MAX_EMAIL = 320
MAX_URL = 500
SECRET_PREFIX = "ucjw_"  # says what a leaked string is, so secret scanners and people can spot it

_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+")


@dataclass(frozen=True)
class Coordinator:
    id: int
    name: str
    region_code: str
    email: str | None
    webhook_url: str | None
    webhook_format: str
    language: str
    active: bool
    has_webhook_secret: bool = False  # the secret itself never leaves the registry in this object


def new_webhook_secret() -> str:
    """A new webhook secret: the prefix and 256 random bits, URL-safe (48 characters)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def coordinator_problems(
    name: str,
    region_code: str,
    email: str | None,
    webhook_url: str | None,
    webhook_format: str,
    language: str,
    region_levels: dict[str, str],
) -> list[str]:
    """Everything wrong with a coordinator, in plain words (empty when it is fine).

    `region_levels` maps every region code of the registry to its level.
    """
    problems = []
    if not name:
        problems.append("name is empty")
    elif len(name) > MAX_NAME:
        problems.append(f"name is longer than {MAX_NAME} characters")
    problems += _region_problems(region_code, region_levels)
    if not email and not webhook_url:
        problems.append("give an email address, a webhook URL or both")
    if email and (len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email)):
        problems.append(f"email must look like name@example.go.id, got {email!r}")
    if webhook_url and not _is_http_url(webhook_url):
        problems.append(f"webhook URL must start with http:// or https:// and name a host, got {webhook_url!r}")
    if webhook_format not in WEBHOOK_FORMATS:
        problems.append(f"webhook format must be {' or '.join(WEBHOOK_FORMATS)}, got {webhook_format!r}")
    if language not in LANGUAGES:
        problems.append(f"language must be {' or '.join(LANGUAGES)}, got {language!r}")
    return problems


def _region_problems(code: str, region_levels: dict[str, str]) -> list[str]:
    if not code:
        return ["region_code is empty"]
    level = region_levels.get(code)
    if level is None:
        return [f"unknown region {code!r}"]
    if level not in COORDINATOR_LEVELS:
        regency = ".".join(code.split(".")[:2])
        return [
            f"region {code} is a {level}; a coordinator belongs to a regency (here {regency}) "
            "or to the province 61 (the operations list)"
        ]
    return []


PLAIN_HTTP_REFUSED = "is not https://; give an https:// URL, or --allow-http-webhook for a receiver on the same host"


def is_plain_http(url: str) -> bool:
    """Whether a webhook would carry alerts and their signatures in clear (the CLI refuses it by default)."""
    return not url.lower().startswith("https://")


def _is_http_url(url: str) -> bool:
    if len(url) > MAX_URL or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
