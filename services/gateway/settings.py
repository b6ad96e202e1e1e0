"""The gateway's settings: flags win over environment variables, which win over defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from services.config import Settings
from streams.kafka_access import KafkaAccess

# name -> (default, meaning); printed in `ucj gateway --help`
ENVIRONMENT = {
    "UCJ_GATEWAY_HOST": ("127.0.0.1", "interface the gateway listens on (0.0.0.0 for every interface)"),
    "UCJ_GATEWAY_PORT": ("8080", "port the gateway listens on"),
}

MAX_EVENTS = 5_000  # per request; more is 413
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, host: str | None = None, port: int | None = None) -> "GatewaySettings":
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
        )


def environment_help() -> str:
    lines = ["gateway environment (flags win):"]
    for name, (default, meaning) in ENVIRONMENT.items():
        lines.append(f"  {name:<20} {meaning} (default {default})")
    return "\n".join(lines)
