"""The gateway's settings: flags win over environment variables, which win over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from services.common.config import Settings
from services.gateway.limits import Limits
from streams.broker.kafka_access import KafkaAccess

MAX_EVENTS = 5_000  # per request; more is 413

# name -> (default, meaning); printed in `ucj gateway --help`
ENVIRONMENT = {
    "UCJ_GATEWAY_HOST": ("127.0.0.1", "interface the gateway listens on (0.0.0.0 for every interface)"),
    "UCJ_GATEWAY_PORT": ("8080", "port the gateway listens on"),
}
# Limits field (and flag) -> (environment variable, type, meaning)
LIMIT_SETTINGS = {
    "requests_per_second": ("UCJ_GATEWAY_REQUESTS_PER_SECOND", float, "requests a second per key, then 429"),
    "request_burst": ("UCJ_GATEWAY_REQUEST_BURST", int, "requests per key at once after a quiet while"),
    "events_per_second": ("UCJ_GATEWAY_EVENTS_PER_SECOND", float, "published events a second per key, then 429"),
    "event_burst": ("UCJ_GATEWAY_EVENT_BURST", int, f"published events per key at once (at least {MAX_EVENTS:,})"),
    "failed_logins_per_minute": (
        "UCJ_GATEWAY_FAILED_LOGINS_PER_MINUTE",
        float,
        "unknown keys a minute per client address, then 429",
    ),
    "failed_login_burst": ("UCJ_GATEWAY_FAILED_LOGIN_BURST", int, "unknown keys per client address at once"),
}
ENVIRONMENT.update(
    {name: (str(getattr(Limits, field)), meaning) for field, (name, _, meaning) in LIMIT_SETTINGS.items()}
)

MAX_BODY_BYTES = 5 * 1024 * 1024  # per request; more is 413
RETRY_AFTER_SECONDS = 10  # what a 503 asks the client to wait

# Kafka: a request must never hang for minutes while the broker is away.
BOOTSTRAP_TIMEOUT_MS = 5_000  # first contact with the cluster when the producer is (re)created
MAX_BLOCK_MS = 5_000  # send() waiting for metadata or buffer space
REQUEST_TIMEOUT_MS = 10_000  # one produce request
DELIVERY_TIMEOUT_MS = 20_000  # from send() to acknowledged or failed, retries included


@dataclass(frozen=True)
class GatewaySettings:
    host: str
    port: int
    kafka: KafkaAccess
    database_url: str
    limits: Limits = Limits()

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        host: str | None = None,
        port: int | None = None,
        limits: Mapping[str, float | None] | None = None,
    ) -> "GatewaySettings":
        """`limits`: flag values by Limits field (None: not given), which win over the environment."""
        env = os.environ if env is None else env
        common = Settings.from_env(dict(env))
        port_text = str(port) if port is not None else env.get("UCJ_GATEWAY_PORT") or ENVIRONMENT["UCJ_GATEWAY_PORT"][0]
        try:
            port_number = int(port_text)
        except ValueError:
            raise SystemExit(f"UCJ_GATEWAY_PORT must be a port number, got {port_text!r}") from None
        if not 0 < port_number < 65536:
            raise SystemExit(f"the gateway's port must be between 1 and 65535, got {port_number}")
        return cls(
            host=host or env.get("UCJ_GATEWAY_HOST") or ENVIRONMENT["UCJ_GATEWAY_HOST"][0],
            port=port_number,
            kafka=common.kafka,
            database_url=common.database_url,
            limits=_limits(env, limits or {}),
        )


def _limits(env: Mapping[str, str], given: Mapping[str, float | None]) -> Limits:
    values = {}
    for field, (name, kind, _) in LIMIT_SETTINGS.items():
        value = given.get(field)
        if value is None and env.get(name):
            try:
                value = kind(env[name])
            except ValueError:
                raise SystemExit(
                    f"{name} must be a {'whole ' if kind is int else ''}number, got {env[name]!r}"
                ) from None
        if value is not None:
            values[field] = kind(value)
    limits = Limits(**values)
    problem = limits.problem(MAX_EVENTS)
    if problem is not None:
        raise SystemExit(f"the gateway's limits do not work: {problem}")
    return limits


def environment_help() -> str:
    lines = ["gateway environment (flags win):"]
    for name, (default, meaning) in ENVIRONMENT.items():
        lines.append(f"  {name:<20} {meaning} (default {default})")
    return "\n".join(lines)
