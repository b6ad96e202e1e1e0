"""The notifier's Prometheus metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from services.notifier.routing import CHANNELS

OUTCOMES = ("delivered", "failed", "gave_up")


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.deliveries = Counter(
            "ucj_notifier_deliveries_total",
            "Delivery attempts by channel and outcome (delivered; failed, to be retried; gave_up, the last one)",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.pending = Gauge(
            "ucj_notifier_pending_deliveries",
            "Deliveries in the log not yet delivered nor given up",
            ["channel"],
            registry=self.registry,
        )
        self.alerts_consumed = Counter(
            "ucj_notifier_alerts_consumed_total",
            "Alert transitions read from ucj.coverage-alerts (redeliveries included)",
            ["kind", "transition"],
            registry=self.registry,
        )
        self.invalid_alerts = Counter(
            "ucj_notifier_invalid_alerts_total",
            "Messages on ucj.coverage-alerts that are not alert transitions (skipped)",
            registry=self.registry,
        )
        self.last_delivery = Gauge(
            "ucj_notifier_last_delivery_timestamp_seconds",
            "Unix time of the last delivered message",
            registry=self.registry,
        )
        for channel in CHANNELS:  # every series exists from the start, so rates and alerts work at zero
            self.pending.labels(channel)
            for outcome in OUTCOMES:
                self.deliveries.labels(channel, outcome)

    def set_pending(self, counts: dict[tuple[str, str], int]) -> None:
        for channel in CHANNELS:
            self.pending.labels(channel).set(counts.get((channel, "pending"), 0))
