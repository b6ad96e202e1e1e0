"""The gateway's Prometheus metrics: aggregates only, every label bounded."""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import CollectorRegistry, Counter, Histogram

from streams.domain.validation import REASONS

ENDPOINTS = ("/v1/events", "/v1/events/csv", "/v1/whoami", "/healthz", "/metrics", "/openapi.json", "/docs")
OTHER_ENDPOINT = "other"  # any other path, so a scan of random URLs cannot grow the label set
# accepted, or why not: a rejection reason, or unpublished (Kafka did not acknowledge)
OUTCOMES = ("accepted", "unpublished", *REASONS)


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "ucj_gateway_requests_total",
            "HTTP requests by endpoint and status code",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.events = Counter(
            "ucj_gateway_events_total",
            "Events received by source and outcome: accepted (acknowledged by Kafka), unpublished (Kafka "
            "unavailable), or the rejection reason; dry runs are not counted",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ucj_gateway_request_duration_seconds",
            "Time from a request's arrival to its answer, by endpoint",
            ["endpoint"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        for endpoint in ENDPOINTS[:3]:  # the ingest series exist from the start, so rates work at zero
            self.latency.labels(endpoint)

    def observe_request(self, path: str, status: int, seconds: float) -> None:
        endpoint = path if path in ENDPOINTS else OTHER_ENDPOINT
        self.requests.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def count_events(self, source: str, outcomes: Tally) -> None:
        for outcome, count in outcomes.items():
            assert outcome in OUTCOMES, outcome
            self.events.labels(source, outcome).inc(count)
