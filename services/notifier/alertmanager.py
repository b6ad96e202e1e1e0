"""Alertmanager bodies (pure): alerts for its v2 API, and its webhook v4 format for receivers.

Alertmanager identifies an alert by its label set. The labels carry the region's status, so an
escalation (behind -> critical) is a new label set: `api_alerts` then also ends the label sets
of the episode's other statuses, and a resolution ends them all, so nothing stays firing.

Alertmanager resolves an alert by itself `resolve_timeout` (5 minutes by default) after the
last post unless the alert has an end time. The notifier posts once per transition, so
firing alerts carry `endsAt` = transition time + a firing TTL (30 days by default); the
resolved transition ends them at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.notifier.messages import Message
from streams.domain.alerts import AlertTransition

STATUSES = ("on_track", "behind", "critical")
ALERT_NAMES = {"coverage_status": "UCJCoverageBehind", "lapse_cliff": "UCJLapseCliff"}
ZERO_TIME = "0001-01-01T00:00:00Z"  # what Alertmanager sends as endsAt of a firing alert
DEFAULT_FIRING_TTL = timedelta(days=30)


def labels(alert: AlertTransition, status: str | None = None) -> dict[str, str]:
    """The alert's label set; a resolution is labelled with the status it ends."""
    if status is None:
        status = alert.status
        if alert.transition == "resolved" and alert.previous_status and alert.previous_status != "on_track":
            status = alert.previous_status
    return {
        "alertname": ALERT_NAMES.get(alert.kind, "UCJAlert"),
        "region": alert.region_code,
        "regency": alert.regency_code or "",
        "level": alert.level,
        "status": status,
        "kind": alert.kind,
        "alert_id": alert.alert_id,
    }


def annotations_of(message: Message) -> dict[str, str]:
    body = {"summary": message.subject, "description": message.text}
    if message.dashboard_url:
        body["dashboard"] = message.dashboard_url
    return body


def firing(alert: AlertTransition) -> bool:
    return alert.transition != "resolved"


def api_alerts(
    alert: AlertTransition, message: Message, *, generator_url: str = "", firing_ttl: timedelta = DEFAULT_FIRING_TTL
) -> list[dict]:
    """The body of `POST /api/v2/alerts` for one transition."""
    current = labels(alert)
    at = _time(alert.at)
    body = {
        "labels": current,
        "annotations": annotations_of(message),
        "startsAt": at,
        "endsAt": _time(alert.at + firing_ttl) if firing(alert) else at,
    }
    if generator_url:
        body["generatorURL"] = generator_url
    alerts = [body]
    if alert.transition != "raised":  # end the label sets of the episode's other statuses
        for status in STATUSES:
            if status != current["status"]:
                alerts.append(
                    {
                        "labels": labels(alert, status),
                        "annotations": annotations_of(message),
                        "startsAt": at,
                        "endsAt": at,
                    }
                )
    return alerts


def webhook_v4(
    alert: AlertTransition, message: Message, *, receiver: str = "ucj-notifier", external_url: str = ""
) -> dict:
    """An Alertmanager webhook (version 4) body, for receivers written for Alertmanager."""
    current = labels(alert)
    status = "firing" if firing(alert) else "resolved"
    group_labels = {"alert_id": alert.alert_id}
    return {
        "version": "4",
        "groupKey": "{}:{alert_id=%s}" % _quote(alert.alert_id),
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": current,
        "commonAnnotations": annotations_of(message),
        "externalURL": external_url,
        "alerts": [
            {
                "status": status,
                "labels": current,
                "annotations": annotations_of(message),
                "startsAt": _time(alert.at),
                "endsAt": ZERO_TIME if firing(alert) else _time(alert.at),
                "generatorURL": message.dashboard_url or "",
                "fingerprint": fingerprint(current),
            }
        ],
    }


def fingerprint(label_set: dict[str, str]) -> str:
    """Alertmanager's fingerprint of a label set: FNV-1a 64 over sorted names and values."""
    value = 14695981039346656037
    for name in sorted(label_set):
        for part in (name, label_set[name]):
            for byte in part.encode() + b"\xff":
                value = ((value ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _time(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
