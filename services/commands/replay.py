"""`ucj replay`: throw away all derived state and rebuild it from ucj.participant-events."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from services.common.config import KAFKA_ENVIRONMENT, Settings, environment_help
from services.worker_client import WorkerUnavailable, processed, status_of
from streams.broker.offsets import end_offsets
from streams.broker.topics import WORKER_APP_ID

log = logging.getLogger(__name__)

GROUP = WORKER_APP_ID  # consumer group and prefix of its internal topics


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="rebuild all derived state from the events topic (after a fix to the fold)",
        description=(
            "Stop every worker first. Then this deletes the workers' consumer offsets, their\n"
            "internal topics (the participant changelog and forwarded events) and the local state\n"
            "directories under UCJ_DATA_DIR (worker-*), runs a worker from the first event of\n"
            "ucj.participant-events until it has caught up, prints the counts and stops it.\n"
            "Start the workers again afterwards. Workers on other hosts must have their state\n"
            "directories removed there too."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help(*KAFKA_ENVIRONMENT, "UCJ_DATABASE_URL", "UCJ_DATA_DIR", "UCJ_WEB_PORT"),
    )
    parser.add_argument("--yes", action="store_true", help="do it without asking")
    parser.add_argument(
        "--state-dir",
        action="append",
        default=[],
        help="also delete this worker state directory (for workers started with --state-dir); repeatable",
    )
    parser.add_argument(
        "--store",
        choices=("rocksdb", "memory"),
        default="rocksdb",
        help="store of the rebuilding worker (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600, help="give up after this many seconds (default: %(default)s)"
    )
    parser.set_defaults(run=run)


def run(args) -> int:
    from kafka.admin import KafkaAdminClient

    settings = Settings.from_env()
    admin = KafkaAdminClient(**settings.kafka.kafka_python(client_id="ucj-replay"))
    try:
        members = _members_once_stopped_sessions_end(admin)
        if members:
            print(
                f"ucj replay: {members} worker(s) still consume as group {GROUP}; stop every `ucj worker` first",
                file=sys.stderr,
            )
            return 1
        if (
            not args.yes
            and input("Delete all derived state and rebuild it from the events topic? [y/N] ").strip().lower() != "y"
        ):
            return 1
        _reset(admin, settings, args.state_dir)
    finally:
        admin.close()
    return _rebuild(settings, args)


def _active_members(admin) -> int:
    return len(admin.describe_groups([GROUP])[GROUP]["members"])


def _members_once_stopped_sessions_end(admin) -> int:
    """Members of the group once a stopped worker's session has ended: a worker keeps its place
    (Kafka static membership) until then, while a running one keeps it for good."""
    from streams.worker.app import SESSION_TIMEOUT_SECONDS

    deadline = time.monotonic() + SESSION_TIMEOUT_SECONDS + 5
    members = _active_members(admin)
    if members:
        log.info(
            "%d member(s) in group %s; waiting up to %.0f s for the sessions of stopped workers to end",
            members,
            GROUP,
            SESSION_TIMEOUT_SECONDS + 5,
        )
    while members and time.monotonic() < deadline:
        time.sleep(0.5)
        members = _active_members(admin)
    return members


def _reset(admin, settings: Settings, extra_state_dirs: list[str]) -> None:
    if admin.describe_groups([GROUP])[GROUP]["group_state"] != "Dead":  # Dead: never existed
        admin.delete_groups([GROUP])
        log.info("deleted the offsets of consumer group %s", GROUP)
    internal = [t for t in admin.list_topics() if t.startswith(GROUP + "-")]
    if internal:
        admin.delete_topics(internal)
        while set(internal) & set(admin.list_topics()):
            time.sleep(0.5)
        log.info("deleted internal topics %s", ", ".join(sorted(internal)))
    # local RocksDB state remembers offsets of the deleted changelog: it must go too
    for state in sorted(settings.data_dir.glob("worker-*")) + [Path(d) for d in extra_state_dirs]:
        if state.exists():
            shutil.rmtree(state)
            log.info("deleted local state %s", state)


def _rebuild(settings: Settings, args) -> int:
    from streams.broker.topics import PARTICIPANT_EVENTS, REKEYED_EVENTS, ensure_topics

    ensure_topics(settings.kafka)
    url = f"http://127.0.0.1:{settings.web_port}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "worker", "--store", args.store], env=dict(os.environ)
    )
    started = time.monotonic()
    try:
        for topic in (PARTICIPANT_EVENTS, REKEYED_EVENTS):  # forwarded events are known once the originals are read
            targets = end_offsets(settings.kafka, topic)
            log.info("replaying %s: %d messages", topic, sum(targets.values()))
            # committed offsets follow the forwards they caused: once the originals are committed,
            # every forward is in the re-keyed topic, and its end offsets are final
            for done in (
                lambda topic=topic, targets=targets: _caught_up(url, topic, targets, started),
                lambda topic=topic, targets=targets: _committed(settings.kafka, topic, targets),
            ):
                while not done():
                    if worker.poll() is not None:
                        print(f"ucj replay: the worker stopped (exit {worker.returncode})", file=sys.stderr)
                        return 1
                    if time.monotonic() - started > args.timeout:
                        print(f"ucj replay: not caught up after {args.timeout:.0f} s", file=sys.stderr)
                        return 1
                    time.sleep(2)
        status = status_of(url)
        for region in status["regions"]:
            print(f"{region['region']:<7} {region['name']:<28} {region['active']:>9,} active")
        print(f"replayed in {time.monotonic() - started:.0f} s; start the workers again")
        return 0
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def _committed(kafka, topic: str, targets: dict[int, int]) -> bool:
    from streams.broker.offsets import spans

    found = spans(kafka, GROUP, [(topic, p) for p in targets])
    return all(found[(topic, p)].start >= end for p, end in targets.items())


def _caught_up(url: str, topic: str, targets: dict[int, int], started: float) -> bool:
    try:
        done = processed(status_of(url), topic, targets)
    except WorkerUnavailable:
        return False
    log.info("%s: %d of %d messages replayed (%.0f s)", topic, done, sum(targets.values()), time.monotonic() - started)
    return done == sum(targets.values())
