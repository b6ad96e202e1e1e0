"""`ucj gateway`: the HTTP ingest gateway for registration systems."""

from __future__ import annotations

import argparse
import logging
import sys

from services.common.config import KAFKA_ENVIRONMENT
from services.common.config import environment_help as common_environment_help
from services.gateway.settings import ENVIRONMENT, LIMIT_SETTINGS, MAX_BODY_BYTES, MAX_EVENTS, environment_help

log = logging.getLogger("services.gateway")

DESCRIPTION = f"""\
Serve the HTTP API through which registration systems publish participant events:

  POST /v1/events       a JSON array of events (application/json) or JSON Lines (application/x-ndjson)
  POST /v1/events/csv   CSV as spreadsheets export it (text/csv, comma or semicolon, UTF-8)
  GET  /v1/whoami       the calling source and its regions
  GET  /healthz         whether Kafka and the registry are reachable (no key needed)
  GET  /metrics         Prometheus metrics ucj_gateway_* (no key needed)
  GET  /openapi.json    the OpenAPI document; /docs shows it

Every /v1 request carries a source's key, `Authorization: Bearer KEY` (`ucj sources add`).
Each event is checked like the worker checks it, must lie in one of the source's regions,
gets its source from the key, and a `nik` is replaced by its pseudonym (HMAC-SHA256 under
the province's pseudonym key) before anything leaves the gateway. The answer lists every
rejected event with its index, line and reason; an event counts as accepted only once
Kafka acknowledged it. At most {MAX_EVENTS:,} events and {MAX_BODY_BYTES // 2**20} MB per request.
Stop with Ctrl-C or SIGTERM."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "gateway",
        help="serve the HTTP ingest gateway (JSON, JSON Lines and CSV uploads with per-source keys)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=common_environment_help(*KAFKA_ENVIRONMENT, "UCJ_DATABASE_URL", "UCJ_DATA_DIR", "UCJ_PSEUDONYM_KEY")
        + "\n  UCJ_CLOCK            fixed date/time or offset (+30d) for tests (default: real time)\n"
        + environment_help(),
    )
    parser.add_argument("--host", help="interface to listen on (default: UCJ_GATEWAY_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: UCJ_GATEWAY_PORT or 8080)")
    limits = parser.add_argument_group("limits per key and per client address (429 with Retry-After beyond them)")
    for field, (name, kind, _) in LIMIT_SETTINGS.items():
        flag = "--" + field.replace("_", "-")
        limits.add_argument(
            flag,
            type=kind,
            dest=field,
            metavar="N",
            help=f"{ENVIRONMENT[name][1]} (default: {name} or {ENVIRONMENT[name][0]})",
        )
    parser.set_defaults(run=run)


def run(args) -> int:
    import uvicorn
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from services.common.secrets import SecretError, pseudonym_key
    from services.gateway.api import Gateway, create_app
    from services.gateway.metrics import GatewayMetrics
    from services.gateway.publishing import KafkaPublisher
    from services.gateway.settings import GatewaySettings
    from services.registry import Registry
    from streams.clock import Clock
    from streams.domain.pseudonym import Pseudonymizer

    settings = GatewaySettings.from_env(
        host=args.host, port=args.port, limits={field: getattr(args, field) for field in LIMIT_SETTINGS}
    )
    try:
        key = pseudonym_key()
    except SecretError as error:
        print(f"ucj gateway: {error}; the gateway does not start without it", file=sys.stderr)
        return 1
    registry = Registry(settings.database_url)
    try:
        tree = registry.region_tree()
        registry.source_for_key("")  # an old schema is one sentence now (RegistryNotInitialized), not a 500 per request
    except SQLAlchemyError as error:
        print(
            f"ucj gateway: cannot read the registry at {registry.display_url} ({type(error).__name__})", file=sys.stderr
        )
        return 1

    def registry_reachable() -> bool:
        with registry.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    publisher = KafkaPublisher(settings.kafka)

    def start() -> None:  # make the producer now, so the first request does not wait for it
        if not publisher.connect():
            log.warning(
                "Kafka at %s is unreachable; requests are answered 503 until it is back", settings.kafka.describe()
            )

    app = create_app(
        Gateway(
            keys=registry,
            tree=tree,
            pseudonymizer=Pseudonymizer(key),
            now=Clock.from_env().now,
            publisher=publisher,
            probes={"kafka": settings.kafka.reachable, "registry": registry_reachable},
            metrics=GatewayMetrics(),
            registry_errors=(SQLAlchemyError,),
            load_regions=registry.region_tree,
            on_start=start,
            on_stop=publisher.close,
            limits=settings.limits,
        )
    )
    log.info(
        "gateway on http://%s:%d (Kafka %s, registry %s)",
        settings.host,
        settings.port,
        settings.kafka.describe(),
        registry.display_url,
    )
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_config=None, access_log=False, timeout_graceful_shutdown=30
    )
    return 0
