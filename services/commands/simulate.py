"""`ucj simulate`: feed a realistic Kalbar event stream into Kafka (or a JSON Lines file)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date

from services.common.config import KAFKA_ENVIRONMENT, environment_help, kafka_from_flag

log = logging.getLogger(__name__)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="produce a realistic simulated Kalimantan Barat event stream",
        description=(
            "Generate participant events for Kalimantan Barat from --start to today and publish them\n"
            "to ucj.participant-events keyed by participant_id: villages drawn in proportion to each\n"
            "regency's workforce, a realistic segment mix, enrollment waves, provincial/regency/village\n"
            "assistance batches (like the 2024 programme for 26,300 vulnerable workers), lapses for\n"
            "non-payment and at the end of the budget year, moves, and some redelivered duplicates and\n"
            "invalid inputs. The same --seed gives the same stream.\n"
            "\n"
            "The simulated population is small against the province's real workforce (1.7 million eligible\n"
            "workers, the registry's estimate), so with the registry as `ucj registry init` leaves it every\n"
            "region reads a fraction of a percent and critical: that is the arithmetic, not a fault. `ucj demo`\n"
            "scales the workforce to the simulated population; by hand, load figures of that size with\n"
            "`ucj registry load-workforce FILE.csv`."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help(*KAFKA_ENVIRONMENT, "UCJ_DATA_DIR")
        + "\n  UCJ_CLOCK            moves 'today' (see ucj worker --help)",
    )
    parser.add_argument(
        "--participants", type=int, default=20_000, help="simulated participants (default: %(default)s)"
    )
    parser.add_argument(
        "--rate", type=float, default=5_000, help="events per second, 0 for as fast as possible (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=61, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--duration", type=float, help="stop after this many seconds (default: when the stream is done)"
    )
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2024, 1, 1),
        help="first day of the history (default: %(default)s)",
    )
    parser.add_argument("--output", help="write JSON Lines to this file instead of Kafka (- for stdout)")
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default: UCJ_KAFKA_BOOTSTRAP)")
    parser.set_defaults(run=run)


class _Pacer:
    """Sleeps just enough to hold a steady rate."""

    def __init__(self, rate: float):
        self.rate = rate
        self.started = time.monotonic()

    def wait(self, done: int) -> None:
        if self.rate > 0:
            ahead = done / self.rate - (time.monotonic() - self.started)
            if ahead > 0:
                time.sleep(ahead)


def run(args) -> int:
    from services.dev.simulation import generate_events
    from streams.clock import Clock

    now = Clock.from_env().now()
    records = generate_events(participants=args.participants, seed=args.seed, start=args.start, end=now.date(), now=now)
    sink = _FileSink(args.output) if args.output else _KafkaSink(kafka_from_flag(args.bootstrap))
    pacer, started = _Pacer(args.rate), time.monotonic()
    sent = invalid = 0
    try:
        for record in records:
            if args.duration is not None and time.monotonic() - started >= args.duration:
                break
            sink.send(record.key, record.value)
            sent += 1
            invalid += not record.valid
            if sent % 10_000 == 0:
                log.info(
                    "%d events sent (%d deliberately invalid), %.0f/s",
                    sent,
                    invalid,
                    sent / (time.monotonic() - started),
                )
            pacer.wait(sent)
    except KeyboardInterrupt:
        log.info("interrupted")
    finally:
        sink.close()
    log.info(
        "done: %d events sent, %d of them deliberately invalid, in %.1f s", sent, invalid, time.monotonic() - started
    )
    return 0


class _KafkaSink:
    def __init__(self, kafka):
        from services.common.producer import kafka_producer
        from streams.broker.topics import PARTICIPANT_EVENTS, ensure_topics

        ensure_topics(kafka)
        self.topic = PARTICIPANT_EVENTS
        self.producer = kafka_producer(kafka, client_id="ucj-simulator")
        self.failed = 0

    def send(self, key: bytes | None, value: bytes) -> None:
        self.producer.send(self.topic, key=key, value=value).add_errback(self._failed)

    def _failed(self, error) -> None:
        self.failed += 1
        log.error("an event was not delivered: %s", error)

    def close(self) -> None:
        self.producer.flush()
        self.producer.close()
        if self.failed:
            log.error("%d events were not delivered", self.failed)


class _FileSink:
    def __init__(self, path: str):
        self.stream = sys.stdout.buffer if path == "-" else open(path, "wb")

    def send(self, key: bytes | None, value: bytes) -> None:
        self.stream.write(value.replace(b"\n", b" ") + b"\n")

    def close(self) -> None:
        self.stream.flush()
        if self.stream is not sys.stdout.buffer:
            self.stream.close()
