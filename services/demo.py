"""`ucj demo`: the whole product on one machine, on embedded defaults."""
from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from services.config import Settings, environment_help

log = logging.getLogger(__name__)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole stack locally: Kafka, registry, worker, simulator and a live status view",
        description=(
            "Start a local Kafka (ucj kafka up), initialise the SQLite registry (ucj registry init),\n"
            "start a worker (ucj worker) and the simulator (ucj simulate), then show the coverage\n"
            "table per regency, refreshed every few seconds. Ctrl-C stops the worker and the\n"
            "simulator; Kafka keeps running until `ucj kafka down`. Logs go to UCJ_DATA_DIR/demo/."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help("UCJ_DATA_DIR", "UCJ_DATABASE_URL", "UCJ_WEB_PORT"),
    )
    parser.add_argument("--participants", type=int, default=40_000, help="simulated participants (default: %(default)s)")
    parser.add_argument("--rate", type=float, default=4_000, help="simulated events per second (default: %(default)s)")
    parser.add_argument("--kafka-port", type=int, default=9092, help="port of the local Kafka (default: %(default)s)")
    parser.add_argument("--refresh", type=float, default=5.0, help="seconds between status refreshes (default: %(default)s)")
    parser.add_argument("--for", dest="run_for", type=float, help="stop by itself after this many seconds")
    parser.set_defaults(run=run)


def run(args) -> int:
    from services.kafka_local import ensure_broker
    from services.registry import Registry
    from services.status import WorkerUnreachable, collect, render

    settings = Settings.from_env()
    log.info("starting the local Kafka on port %d (the first run downloads its jars with Maven)", args.kafka_port)
    bootstrap = ensure_broker(port=args.kafka_port)
    log.info("initialising the region registry at %s", settings.database_url)
    Registry(settings.database_url).init()

    logs = settings.data_dir / "demo"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, UCJ_KAFKA_BOOTSTRAP=bootstrap)
    children = [
        _start("worker", ["worker"], env, logs),
        _start("simulator", ["simulate", "--participants", str(args.participants), "--rate", str(args.rate)], env, logs),
    ]
    url = f"http://127.0.0.1:{settings.web_port}"
    started = time.monotonic()
    try:
        while args.run_for is None or time.monotonic() - started < args.run_for:
            for name, child, log_path in children:
                if name == "worker" and child.poll() is not None:
                    print(f"the worker stopped (exit {child.returncode}); see {log_path}", file=sys.stderr)
                    return 1
            try:
                rows, day = collect([url])
                screen = render(rows, day, [url])
            except WorkerUnreachable:
                screen = f"waiting for the worker at {url} to start (log: {logs / 'worker.log'}) ..."
            sys.stdout.write("\x1b[H\x1b[2J" + screen + f"\n\nlogs: {logs}   Ctrl-C to stop\n")
            sys.stdout.flush()
            time.sleep(args.refresh)
    except KeyboardInterrupt:
        pass
    finally:
        for name, child, _ in children:
            if child.poll() is None:
                child.terminate()
        for name, child, _ in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        print(f"stopped the worker and the simulator; Kafka is still running (ucj kafka down --port {args.kafka_port})")
    return 0


def _start(name: str, arguments: list[str], env: dict, logs: Path):
    log_path = logs / f"{name}.log"
    log.info("starting the %s, logging to %s", name, log_path)
    with open(log_path, "ab") as log_file:
        child = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *arguments], env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    return name, child, log_path
