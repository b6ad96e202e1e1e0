"""`ucj worker`: run the Faust stream processor."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

from services.common.config import KAFKA_ENVIRONMENT, Settings, add_kafka_wait_argument, duration, environment_help
from streams.domain.trajectory import BEHIND_PP, CRITICAL_PP, StatusThresholds

LEVEL_CHOICES = ("province", "regency", "district", "village")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run the stream processor (Faust) that keeps live coverage per region",
        description=(
            "Consume ucj.participant-events, fold each participant's events into its state,\n"
            "keep exact active counts per region (village -> district -> regency -> province),\n"
            "send invalid input to ucj.dead-letter with its reason, and serve Prometheus metrics\n"
            "on http://HOST:UCJ_WEB_PORT/metrics and a JSON summary on /status.\n"
            "Start more workers with the same settings (and their own --web-port and data dir)\n"
            "to share the partitions. Stop with Ctrl-C or SIGTERM."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help(
            *KAFKA_ENVIRONMENT, "UCJ_DATABASE_URL", "UCJ_WEB_PORT", "UCJ_DATA_DIR", "UCJ_KAFKA_WAIT"
        )
        + "\n  UCJ_CLOCK            fixed date/time or offset (+30d) for tests and simulation (default: real time)"
        + "\n  UCJ_ALERT_HOLD       default of --alert-hold",
    )
    parser.add_argument("--web-port", type=int, help="HTTP port for /metrics and /status (default: UCJ_WEB_PORT)")
    parser.add_argument("--web-host", default="127.0.0.1", help="interface to serve HTTP on (default: %(default)s)")
    parser.add_argument(
        "--store",
        choices=("rocksdb", "memory"),
        default="rocksdb",
        help="participant state store: rocksdb persists on disk so a restart reads it back; "
        "memory rebuilds from the changelog on every start (default: %(default)s)",
    )
    parser.add_argument(
        "--levels",
        default="province,regency,district",
        help="comma-separated region levels to export as metrics (default: %(default)s; add village for 2,145 more regions)",
    )
    parser.add_argument(
        "--behind-pp",
        type=float,
        default=BEHIND_PP,
        help="gap in percentage points above which a region is behind (default: %(default)s)",
    )
    parser.add_argument(
        "--critical-pp",
        type=float,
        default=CRITICAL_PP,
        help="gap in percentage points above which a region is critical (default: %(default)s)",
    )
    parser.add_argument(
        "--alert-hold",
        type=alert_hold,
        default=os.environ.get("UCJ_ALERT_HOLD", "1m"),
        help="how long a region must stay off track before an alert is raised, and back on track before "
        "it is resolved, e.g. 90s, 5m, 1h; at least 10s, two refreshes of the figures "
        "(default: UCJ_ALERT_HOLD or 1m; an escalation is sent at once)",
    )
    parser.add_argument(
        "--alert-levels",
        default="province,regency",
        help="comma-separated region levels that raise alerts on ucj.coverage-alerts (default: %(default)s)",
    )
    parser.add_argument(
        "--registry-reload",
        type=duration,
        default="1m",
        help="how often the registry (workforce, plans, regions) is read again, so figures loaded with "
        "`ucj registry load-workforce` or `load-plan` count without a restart (default: %(default)s)",
    )
    parser.add_argument(
        "--state-dir", help="directory of this worker's local state (default: UCJ_DATA_DIR/worker-PORT)"
    )
    parser.add_argument(
        "--instance-id",
        default=os.environ.get("UCJ_WORKER_INSTANCE_ID"),
        help="this worker's lasting name in the consumer group (Kafka static membership): restarted under the "
        "same name it gets its partitions back at once, while a worker that stops for good hands them over "
        "after the 10 s session timeout; unique per worker (default: UCJ_WORKER_INSTANCE_ID, else the host "
        "name and the state directory)",
    )
    add_kafka_wait_argument(parser)
    parser.add_argument("--loglevel", default="info", choices=("debug", "info", "warning", "error"))
    parser.set_defaults(run=run)


def run(args) -> int:
    import os
    from pathlib import Path

    os.environ.setdefault("FAUST_LOOP", "uvloop")  # read when faust is first imported; 20-40% faster

    from services.registry import Registry
    from services.registry.seed import regency_seats
    from streams.broker.topics import ensure_topics
    from streams.clock import Clock
    from streams.worker.app import CoverageWorker, WorkerSettings

    levels = _levels("--levels", args.levels)
    alert_levels = _levels("--alert-levels", args.alert_levels)
    settings = Settings.from_env()
    port = args.web_port or settings.web_port
    partitions = ensure_topics(settings.kafka, args.kafka_wait.total_seconds())
    thresholds = StatusThresholds(behind_pp=args.behind_pp, critical_pp=args.critical_pp)
    data_dir = Path(args.state_dir) if args.state_dir else settings.data_dir / f"worker-{port}"
    worker = CoverageWorker(
        WorkerSettings(
            kafka=settings.kafka,
            database_url=settings.database_url,
            data_dir=data_dir,
            web_port=port,
            web_host=args.web_host,
            store=f"{args.store}://",
            levels=levels,
            partitions=partitions,
            alert_levels=alert_levels,
            alert_hold=args.alert_hold,
            reference_reload_seconds=args.registry_reload.total_seconds(),
            seats=regency_seats(),
            instance_id=args.instance_id or instance_id(data_dir),
        ),
        Clock.from_env(),
        Registry(settings.database_url),
        thresholds,
    )
    from faust.worker import Worker

    worker.garbage.start()
    Worker(worker.app, loglevel=args.loglevel).execute_from_commandline()
    return 0


def _levels(flag: str, text: str) -> tuple[str, ...]:
    levels = tuple(level.strip() for level in text.split(",") if level.strip())
    unknown = [level for level in levels if level not in LEVEL_CHOICES]
    if unknown:
        raise SystemExit(f"{flag}: unknown level(s) {unknown}; choose from {LEVEL_CHOICES}")
    return levels


def alert_hold(text: str) -> timedelta:
    from streams.partials import MINIMUM_ALERT_HOLD

    hold = duration(text)
    if hold < MINIMUM_ALERT_HOLD:
        raise argparse.ArgumentTypeError(
            f"{text!r} is shorter than {MINIMUM_ALERT_HOLD.total_seconds():.0f}s: the figures are refreshed every "
            f"{MINIMUM_ALERT_HOLD.total_seconds() / 2:.0f}s, and a shorter hold could alert on a picture taken mid-batch"
        )
    return hold


def instance_id(data_dir) -> str:
    """Stable across restarts of one worker, and distinct for two: no two workers share a state directory."""
    import hashlib
    import socket

    where = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return f"ucj-worker-{socket.gethostname()}-{where}"
