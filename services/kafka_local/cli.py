"""`ucj kafka up|down|status`: manage the local development broker."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.config import environment_help
from services.kafka_local import manager

EPILOG = (
    environment_help("UCJ_DATA_DIR")
    + "\n  UCJ_KAFKA_JARS_DIR   cache of the Kafka jars fetched with mvn (default $UCJ_DATA_DIR/kafka/libs)"
    + f"\n  UCJ_KAFKA_HEAP       maximum JVM heap of the broker, as for java -Xmx (default {manager.DEFAULT_HEAP})"
)
LAYOUT = """\
The broker is Apache Kafka 3.9.1 in KRaft mode (broker and controller in one JVM),
listening on 127.0.0.1:PORT; its controller uses 127.0.0.1:PORT+1.
Its data dir (default $UCJ_DATA_DIR/kafka/data-PORT) holds storage/, kafka.pid and kafka.log.
Needs java; needs mvn once, to fetch the jars from Maven Central into the jar cache.
"""
STATUS_NOT_RUNNING = 3


def add_parser(subparsers) -> None:
    kafka = subparsers.add_parser(
        "kafka", help="run a local single-node Kafka broker for development",
        description="Run a local single-node Apache Kafka broker for development.\n\n" + LAYOUT,
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
    )
    actions = kafka.add_subparsers(dest="kafka_command", metavar="ACTION", required=True)

    up = _action(actions, "up", "start the broker (if not running) and wait until it answers",
                 "Start the broker in the background unless it already runs, and wait until it\n"
                 "answers a metadata request. Prints the bootstrap address and the log path.")
    up.add_argument("--timeout", type=float, default=60, metavar="SECONDS",
                    help="how long to wait for the broker to answer (default 60)")
    up.set_defaults(run=run_up)

    down = _action(actions, "down", "stop the broker",
                   "Stop the broker: SIGTERM, then SIGKILL if it is still running after 30 s.\n"
                   "Does nothing if it is not running.")
    down.set_defaults(run=run_down)

    status = _action(actions, "status", "tell whether the broker runs",
                     "Print whether the broker runs, with pid, port, data dir and log path.\n"
                     f"Exit code 0 if it runs, {STATUS_NOT_RUNNING} if not.")
    status.set_defaults(run=run_status)


def _action(actions, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    parser = actions.add_parser(
        name, help=summary, description=description + "\n\n" + LAYOUT,
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
    )
    parser.add_argument("--port", type=int, default=manager.DEFAULT_PORT,
                        help=f"client port; the controller uses PORT+1 (default {manager.DEFAULT_PORT})")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="broker data dir (default $UCJ_DATA_DIR/kafka/data-PORT)")
    return parser


def run_up(args) -> int:
    already = manager.broker_status(args.port, args.data_dir).running
    try:
        bootstrap = manager.ensure_broker(args.port, args.data_dir, timeout=args.timeout)
    except manager.KafkaLocalError as exc:
        print(f"ucj kafka up: {exc}", file=sys.stderr)
        return exc.exit_code
    from streams.topics import PARTICIPANT_EVENTS, ensure_topics

    partitions = ensure_topics(bootstrap)  # so producers can publish before any worker runs
    status = manager.broker_status(args.port, args.data_dir)
    print(f"Kafka broker {'already running' if already else 'started'} (pid {status.pid})")
    print(f"bootstrap: {bootstrap}")
    print(f"log:       {status.log_path}")
    print(f"topics:    {PARTICIPANT_EVENTS} ({partitions} partitions) and the pipeline's other topics are ready")
    return 0


def run_down(args) -> int:
    status = manager.broker_status(args.port, args.data_dir)
    if manager.stop_broker(args.port, args.data_dir):
        print(f"Kafka broker stopped (pid {status.pid}, port {status.port})")
    else:
        print(f"Kafka broker not running (data dir {status.data_dir})")
    return 0


def run_status(args) -> int:
    status = manager.broker_status(args.port, args.data_dir)
    print(f"Kafka broker {'running' if status.running else 'stopped'}")
    if status.running:
        print(f"pid:       {status.pid}")
    print(f"port:      {status.port} (controller {status.port + 1})")
    print(f"data dir:  {status.data_dir}")
    print(f"log:       {status.log_path}")
    return 0 if status.running else STATUS_NOT_RUNNING
