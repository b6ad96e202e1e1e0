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
from typing import Any, Callable
from urllib.parse import urlsplit

from services.registry.models import LANGUAGES, WEBHOOK_FORMATS

# Levels a coordinator can belong to; district and village alerts go to their regency.
COORDINATOR_LEVELS = ("province", "regency")
MAX_NAME = 200
MAX_EMAIL = 320
MAX_URL = 500
SECRET_PREFIX = "ucjw_"  # says what a leaked string is, so secret scanners and people can spot it

_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+")


_TRUE, _FALSE = ("true", "yes", "y", "1"), ("false", "no", "n", "0")


def _text(cell: str) -> str:
    return cell


def _text_or_none(cell: str) -> str | None:
    return cell or None


def _lower(cell: str) -> str:
    return cell.lower()


def _flag(cell: str) -> bool:
    if cell.lower() not in _TRUE + _FALSE:
        raise ValueError(f"must be true or false, got {cell!r}")
    return cell.lower() in _TRUE


@dataclass(frozen=True)
class CoordinatorField:
    """One thing an operator says about a coordinator. `name` is at once the CSV column, the
    column of the coordinators table, and the attribute of CoordinatorEntry and Coordinator."""

    name: str
    # A CSV column that may be left out of the header, or empty in a row, reads as this
    # default; None: the column is required (its cell may still be empty, see `read`).
    default: str | None = None
    # A CSV cell (stripped, the default applied) as the value; ValueError("must be ...")
    # for a cell it cannot read, reported as "<name> must be ...".
    read: Callable[[str], Any] = _text


# The fields of a coordinator, in CSV column order (required columns first). csv_files.py and
# coordinator_store.py derive their columns, parsing and row writing from this list; a new
# field also needs its attribute below (in CoordinatorEntry and Coordinator, in this order),
# its check in `coordinator_problems`, its column in models.CoordinatorRow and a migration.
# The migrations (services/registry/migrations/versions/) intentionally keep their own copy.
COORDINATOR_FIELDS = (
    CoordinatorField("name"),
    CoordinatorField("region_code"),
    CoordinatorField("email", read=_text_or_none),
    CoordinatorField("webhook_url", read=_text_or_none),
    CoordinatorField("webhook_format", default="json", read=_lower),
    CoordinatorField("language", default="id", read=_lower),
    CoordinatorField("active", default="true", read=_flag),
)


@dataclass(frozen=True)
class CoordinatorEntry:
    """A coordinator as an operator gives it (`add`, a CSV row): the COORDINATOR_FIELDS."""

    name: str
    region_code: str
    email: str | None
    webhook_url: str | None
    webhook_format: str
    language: str
    active: bool


@dataclass(frozen=True)
class Coordinator:
    """A stored coordinator: its id, the COORDINATOR_FIELDS, and whether it has a webhook secret."""

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


def coordinator_problems(entry: CoordinatorEntry, region_levels: dict[str, str]) -> list[str]:
    """Everything wrong with a coordinator, in plain words (empty when it is fine).

    `region_levels` maps every region code of the registry to its level.
    """
    name, email, webhook_url = entry.name, entry.email, entry.webhook_url
    webhook_format, language = entry.webhook_format, entry.language
    problems = []
    if not name:
        problems.append("name is empty")
    elif len(name) > MAX_NAME:
        problems.append(f"name is longer than {MAX_NAME} characters")
    problems += _region_problems(entry.region_code, region_levels)
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
