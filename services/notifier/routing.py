"""Who receives an alert: pure, from the alert and the active coordinators of its region.

- A regency's alerts (and a district's, which belong to its regency) go to that regency's
  active coordinators; province alerts go to the operations list, the coordinators of "61".
- Each coordinator yields one recipient per channel it has: email, webhook.
- With an Alertmanager configured, every alert is also forwarded there once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

from streams.domain.alerts import AlertTransition

OPERATIONS_REGION = "61"  # the province: its coordinators are the provincial operations list
CHANNELS = ("email", "webhook", "alertmanager")
WEBHOOK_FORMATS = ("json", "alertmanager")


class CoordinatorLike(Protocol):
    id: int
    email: str | None
    webhook_url: str | None
    webhook_format: str | None
    language: str | None


@dataclass(frozen=True)
class Route:
    """One recipient of one alert on one channel, and how to write to it."""

    channel: str
    recipient: str  # an email address or a URL
    coordinator_id: int | None
    language: str
    webhook_format: str | None = None  # for channel "webhook": json or alertmanager


def audience_region(alert: AlertTransition) -> str:
    """The region whose coordinators receive the alert."""
    if alert.level == "province" or alert.regency_code is None:
        return OPERATIONS_REGION
    return alert.regency_code


def routes(
    alert: AlertTransition,
    active_coordinators: Callable[[str], Iterable[CoordinatorLike]],
    *,
    default_language: str = "id",
    alertmanager_url: str | None = None,
) -> list[Route]:
    """Every (channel, recipient) of the alert, each once, in a stable order."""
    found: dict[tuple[str, str], Route] = {}
    for coordinator in sorted(active_coordinators(audience_region(alert)), key=lambda c: c.id):
        language = coordinator.language or default_language
        if coordinator.email:
            found.setdefault(
                ("email", coordinator.email.strip()),
                Route("email", coordinator.email.strip(), coordinator.id, language),
            )
        if coordinator.webhook_url:
            url = coordinator.webhook_url.strip()
            found.setdefault(
                ("webhook", url), Route("webhook", url, coordinator.id, language, coordinator.webhook_format or "json")
            )
    if alertmanager_url:
        url = alertmanager_url.rstrip("/")
        found.setdefault(("alertmanager", url), Route("alertmanager", url, None, default_language))
    return list(found.values())
