"""What a delivery log row carries: the alert on the wire and how to write to the recipient.

The message is rendered when it is sent, from this payload alone, so a restarted notifier
sends exactly what was decided when the alert was consumed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from services.notifier.routing import Route
from streams.domain.alerts import AlertTransition, alert_from_wire, alert_to_wire


@dataclass(frozen=True)
class Payload:
    alert: AlertTransition
    language: str
    webhook_format: str | None


def encode(alert: AlertTransition, route: Route) -> str:
    body = {"alert": alert_to_wire(alert), "language": route.language, "webhook_format": route.webhook_format}
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


def decode(text: str) -> Payload:
    body = json.loads(text)
    return Payload(
        alert=alert_from_wire(body["alert"]), language=body["language"], webhook_format=body.get("webhook_format")
    )
