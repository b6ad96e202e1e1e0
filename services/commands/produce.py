"""`ucj produce FILE`: publish a JSON Lines file of participant events."""

from __future__ import annotations

import argparse
import sys

from services.common.config import KAFKA_ENVIRONMENT, Settings, environment_help, kafka_from_flag


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "produce",
        help="publish participant events from a JSON Lines file",
        description=(
            "Check each line of FILE (JSON Lines, one event per line, schema ucj.participant-event/1)\n"
            "against the same rules as the worker, send the valid ones to ucj.participant-events keyed\n"
            "by participant_id, and wait until the broker acknowledges them. Prints how many lines were\n"
            "sent, and every rejected line with its number and reason. Exit code 0 when every line was\n"
            "sent, 1 when some were rejected or failed.\n"
            "\n"
            "With --pseudonymize an event may name its worker by `nik` (the 16-digit national id, with or\n"
            "without separators) instead of `participant_id`: the NIK is replaced by its keyed pseudonym,\n"
            "the same participant_id the gateway gives it, and never sent. Without it, an event with a\n"
            "nik is rejected (raw_nik)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help(*KAFKA_ENVIRONMENT, "UCJ_DATABASE_URL", "UCJ_DATA_DIR", "UCJ_PSEUDONYM_KEY"),
    )
    parser.add_argument("file", metavar="FILE", help="JSON Lines file, or - for standard input")
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default: UCJ_KAFKA_BOOTSTRAP)")
    parser.add_argument(
        "--pseudonymize",
        action="store_true",
        help="replace each event's nik by its pseudonym under UCJ_PSEUDONYM_KEY, as the gateway does",
    )
    parser.set_defaults(run=run)


def run(args) -> int:
    from services.common.producer import EventPublisher, kafka_producer
    from services.registry import Registry
    from streams.broker.topics import ensure_topics
    from streams.clock import Clock

    pseudonymizer = None
    if args.pseudonymize:
        from services.common.secrets import SecretError, pseudonym_key
        from streams.domain.pseudonym import Pseudonymizer

        try:
            pseudonymizer = Pseudonymizer(pseudonym_key())
        except SecretError as error:
            print(f"ucj produce: {error}", file=sys.stderr)
            return 1
    settings = Settings.from_env()
    kafka = kafka_from_flag(args.bootstrap, settings)
    regions = Registry(settings.database_url).region_tree()
    clock = Clock.from_env()
    stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    ensure_topics(kafka)
    producer = kafka_producer(kafka)
    try:
        with stream:
            report = EventPublisher(producer, regions, clock.now, pseudonymizer=pseudonymizer).publish(
                stream, progress=lambda r: print(f"... {r.sent} sent, {len(r.rejected)} rejected", file=sys.stderr)
            )
    finally:
        producer.close()
    name = "<stdin>" if args.file == "-" else args.file
    for line, rejection in report.rejected:
        print(f"{name}:{line}: rejected: {rejection.reason}: {rejection.detail}", file=sys.stderr)
    refusal = _refused(report, kafka)
    if refusal:
        print(f"ucj produce: {refusal}", file=sys.stderr)
        return 1
    for line, failure in report.failed:
        print(f"{name}:{line}: not delivered: {failure}", file=sys.stderr)
    print(f"{report.sent} lines sent, {len(report.rejected)} rejected, {len(report.failed)} not delivered")
    return 0 if report.ok else 1


def _refused(report, kafka) -> str | None:
    """One sentence for a publisher the broker does not let write: the same refusal on every line says nothing more."""
    from kafka.errors import AuthorizationError

    from streams.broker.topics import PARTICIPANT_EVENTS

    if report.failed and not report.sent and all(isinstance(error, AuthorizationError) for _, error in report.failed):
        who = kafka.username if kafka.sasl else "an unauthenticated client"
        return (
            f"Kafka at {kafka.bootstrap} refused every event: {who} may not write {PARTICIPANT_EVENTS} "
            "(`ucj kafka acls` lists who may do what; registration systems publish as ucj-producer or through the gateway); nothing was sent"
        )
    return None
