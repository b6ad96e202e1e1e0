"""From alert messages to rows of the delivery log (the durable outbox)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from services.notifier import payloads
from services.notifier.metrics import NotifierMetrics
from services.notifier.routing import audience_region, routes
from streams.domain.alerts import KINDS, TRANSITIONS, AlertTransition, alert_from_wire

log = logging.getLogger(__name__)


class InvalidAlert(ValueError):
    """A message on the alerts topic that is not a ucj.coverage-alert/1 transition."""


def parse_alert(value: bytes | None) -> AlertTransition:
    if value is None:
        raise InvalidAlert("empty message (tombstone)")
    try:
        body = json.loads(value)
        if not isinstance(body, dict):
            raise InvalidAlert(f"not a JSON object but {type(body).__name__}")
        alert = alert_from_wire(body)
    except InvalidAlert:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidAlert(f"{type(error).__name__}: {error}") from None
    if alert.kind not in KINDS or alert.transition not in TRANSITIONS:
        raise InvalidAlert(f"unknown kind {alert.kind!r} or transition {alert.transition!r}")
    return alert


@dataclass(frozen=True)
class IntakeSettings:
    default_language: str = "id"
    alertmanager_url: str | None = None
    max_alert_age: timedelta = timedelta(days=7)


class Intake:
    """Routes alert transitions and writes one delivery per (transition, channel, recipient)."""

    def __init__(self, registry, settings: IntakeSettings, metrics: NotifierMetrics, clock: Callable[[], datetime]):
        self.registry = registry
        self.settings = settings
        self.metrics = metrics
        self.clock = clock

    def handle(self, values: Iterable[tuple[str, bytes | None]]) -> int:
        """Enqueue the deliveries of a batch of (where, message value); returns rows added.

        Invalid messages are logged and skipped. The database call is the only step that
        can fail; the caller then retries the whole batch (enqueueing is idempotent).
        """
        from services.registry import NewDelivery

        now = self.clock()
        coordinators: dict[str, list] = {}

        def active(region: str) -> list:
            if region not in coordinators:
                coordinators[region] = self.registry.active_coordinators(region)
            return coordinators[region]

        items = []
        for where, value in values:
            try:
                alert = parse_alert(value)
            except InvalidAlert as error:
                self.metrics.invalid_alerts.inc()
                log.warning("skipped an invalid message at %s: %s", where, error)
                continue
            self.metrics.alerts_consumed.labels(alert.kind, alert.transition).inc()
            age = now - (alert.at if alert.at.tzinfo else alert.at.replace(tzinfo=timezone.utc))
            if age > self.settings.max_alert_age:
                log.warning(
                    "skipped %s at %s: decided %s ago, older than the maximum alert age",
                    alert.transition_id,
                    where,
                    age,
                )
                continue
            found = routes(
                alert,
                active,
                default_language=self.settings.default_language,
                alertmanager_url=self.settings.alertmanager_url,
            )
            if not found:
                log.warning(
                    "%s (%s %s): no active coordinator for region %s and no Alertmanager; nothing to send",
                    alert.transition_id,
                    alert.region_name,
                    alert.transition,
                    audience_region(alert),
                )
            for route in found:
                items.append(
                    NewDelivery(
                        transition_id=alert.transition_id,
                        alert_id=alert.alert_id,
                        region_code=alert.region_code,
                        channel=route.channel,
                        recipient=route.recipient,
                        coordinator_id=route.coordinator_id,
                        payload=payloads.encode(alert, route),
                    )
                )
            log.info(
                "%s: %s %s of %s (%s), %d recipient(s)",
                where,
                alert.kind,
                alert.transition,
                alert.region_name,
                alert.transition_id,
                len(found),
            )
        if not items:
            return 0
        return self.registry.enqueue_deliveries(items, now)
