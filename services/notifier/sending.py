"""Send one delivery of the log on its channel (raises DeliveryFailed when not accepted).

Webhooks are signed with their coordinator's secret, read from the registry when sent, so a
rotated secret applies to the retries already pending. A webhook without one is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from services.notifier import alertmanager, payloads
from services.notifier.channels import DeliveryFailed, DeliveryRefused
from services.notifier.channels.http import post_json
from services.notifier.channels.smtp import SmtpSettings, build_email, send_email
from services.notifier.chart import coverage_chart
from services.notifier.messages import render
from streams.domain.alerts import alert_to_wire


@dataclass(frozen=True)
class SendSettings:
    dashboard_url: str | None = None
    http_timeout: float = 10.0
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    alertmanager_firing_ttl: timedelta = alertmanager.DEFAULT_FIRING_TTL


class Sender:
    def __init__(self, settings: SendSettings, webhook_secret: Callable[[int], str | None]):
        """`webhook_secret(coordinator_id)`: the secret to sign that coordinator's webhooks with."""
        self.settings = settings
        self.webhook_secret = webhook_secret

    def send(self, delivery) -> None:
        """Deliver one row of the delivery log (its channel, recipient and payload)."""
        try:
            payload = payloads.decode(delivery.payload)
        except (ValueError, KeyError, TypeError) as error:
            raise DeliveryFailed(f"unreadable payload: {error!r}") from None
        alert = payload.alert
        message = render(alert, payload.language, self.settings.dashboard_url)
        if delivery.channel == "email":
            email = build_email(
                message,
                sender=self.settings.smtp.sender,
                recipient=delivery.recipient,
                transition_id=alert.transition_id,
                alert_id=alert.alert_id,
                sequence=alert.sequence,
                chart_png=coverage_chart(alert.history, alert.region_name, payload.language),
                domain=self.settings.smtp.domain,
            )
            send_email(self.settings.smtp, email, delivery.recipient)
        elif delivery.channel == "webhook":
            body: Any
            if payload.webhook_format == "alertmanager":
                body = alertmanager.webhook_v4(alert, message, external_url=self.settings.dashboard_url or "")
            else:
                body = {
                    "alert": alert_to_wire(alert),
                    "message": {"subject": message.subject, "text": message.text, "language": message.language},
                }
            post_json(
                delivery.recipient,
                body,
                headers={"Idempotency-Key": alert.transition_id},
                timeout=self.settings.http_timeout,
                signing_secret=self._secret(delivery.coordinator_id),
            )
        elif delivery.channel == "alertmanager":
            body = alertmanager.api_alerts(
                alert,
                message,
                generator_url=message.dashboard_url or "",
                firing_ttl=self.settings.alertmanager_firing_ttl,
            )
            post_json(f"{delivery.recipient}/api/v2/alerts", body, timeout=self.settings.http_timeout)
        else:
            raise DeliveryFailed(f"unknown channel {delivery.channel!r}")

    def _secret(self, coordinator_id: int | None) -> str:
        try:
            secret = None if coordinator_id is None else self.webhook_secret(coordinator_id)
        except LookupError:
            secret = None
        if not secret:
            raise DeliveryRefused(
                f"coordinator {coordinator_id} has no webhook secret and no webhook is sent unsigned: run "
                f"`ucj coordinators rotate-secret {coordinator_id}` and give the receiver the secret it prints"
            )
        return secret
