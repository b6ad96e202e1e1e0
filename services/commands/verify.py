"""`ucj verify`: does the participants' stored state cover every event the workers committed?"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from services.common.config import KAFKA_ENVIRONMENT, Settings, environment_help

log = logging.getLogger(__name__)

SHOWN = 20  # differing participants listed in the text report


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check every participant's stored state against the events topic (after an incident)",
        description=(
            "Reads the workers' committed offsets, then the participant changelog and the events\n"
            "topic (and the forwarded events) from the beginning, folds every participant again\n"
            "from its valid events, and reports each participant whose stored state lacks an\n"
            "event the workers committed, holds one the topic does not, or (once everything is\n"
            "committed) differs from its events. Participants are named by where their first event\n"
            "is (partition@offset on ucj.participant-events), never by id. Workers may keep running:\n"
            "events they have not committed yet are not counted as missing. Validation uses the\n"
            "registry and the clock as the worker does (UCJ_CLOCK), so run it where the worker runs.\n"
            "Exit status: 0 when nothing differs, 1 when something does, 2 when it could not check.\n"
            "It holds every participant in memory: about 1 GiB per million participants."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help(*KAFKA_ENVIRONMENT, "UCJ_DATABASE_URL", "UCJ_DATA_DIR")
        + "\n  UCJ_CLOCK            the worker's clock, if it has one (see ucj worker --help)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="give up reading after this many seconds (default: %(default)s)"
    )
    parser.set_defaults(run=run)


def run(args) -> int:
    from services.registry import Registry
    from streams.broker.topic_reader import committed_offsets, end_offsets, read_to
    from streams.broker.topics import PARTICIPANT_CHANGELOG, PARTICIPANT_EVENTS, REKEYED_EVENTS, WORKER_APP_ID
    from streams.clock import Clock
    from streams.domain.validation import parse_event
    from streams.exactness import verify
    from streams.reference import owners_of

    settings = Settings.from_env()
    clock = Clock.from_env()
    registry = Registry(settings.database_url)
    tree = registry.region_tree()
    owners = owners_of(registry.sources(), tree)
    kafka = settings.kafka
    # In this order: state written for a committed offset is in the changelog before the offset
    # is committed, and every event in a stored state was sent before the changelog's end.
    committed = committed_offsets(kafka, WORKER_APP_ID)
    changelog_ends = end_offsets(kafka, PARTICIPANT_CHANGELOG)
    event_ends = end_offsets(kafka, PARTICIPANT_EVENTS)
    rekeyed_ends = end_offsets(kafka, REKEYED_EVENTS)
    if not event_ends:
        print(f"ucj verify: the topic {PARTICIPANT_EVENTS} does not exist on {kafka.bootstrap}", file=sys.stderr)
        return 2
    counted = {
        position: offset
        for position, offset in committed.items()
        if position[0] in (PARTICIPANT_EVENTS, REKEYED_EVENTS)
    }
    now = clock.now()

    def reading(topic: str):
        reported = [0]

        def progress(read: int) -> None:  # every 100,000 records
            if read - reported[0] >= 100_000:
                reported[0] = read
                log.info("read %d records of %s", read, topic)

        return progress

    report = verify(
        events=read_to(kafka, event_ends, args.timeout, reading(PARTICIPANT_EVENTS)),
        rekeyed=list(read_to(kafka, rekeyed_ends, args.timeout, reading(REKEYED_EVENTS))),
        changelog=list(read_to(kafka, changelog_ends, args.timeout, reading(PARTICIPANT_CHANGELOG))),
        committed=counted,
        read_up_to={**event_ends, **rekeyed_ends, **changelog_ends},
        validate=lambda raw: parse_event(raw, tree, now),
        partitions=len(event_ends),
        events_topic=PARTICIPANT_EVENTS,
        rekeyed_topic=REKEYED_EVENTS,
        day=clock.today(),
        owners=owners,
    )
    if args.json:
        print(json.dumps(_as_json(report, tree), indent=2))
    else:
        print(_as_text(report, tree))
    return 0 if report.exact else 1


def _as_json(report, tree) -> dict:
    return dict(
        day=report.day.isoformat(),
        exact=report.exact,
        participants=report.participants,
        uncommitted_events=report.uncommitted_events,
        read_up_to=[[topic, partition, offset] for (topic, partition), offset in sorted(report.read_up_to.items())],
        committed=[[topic, partition, offset] for (topic, partition), offset in sorted(report.committed.items())],
        by_region={code: dict(counts) for code, counts in sorted(report.by_region(tree).items())},
        differences=[
            dict(
                participant=d.reference,
                region=d.region,
                missing=[list(position) for position in d.missing],
                extra=d.extra,
                differs=d.differs,
                active_stored=d.active_stored,
                active_expected=d.active_expected,
            )
            for d in report.differences
        ],
    )


def _as_text(report, tree) -> str:
    lines = ["read up to (topic, partition: end offset; committed by the workers):"]
    for (topic, partition), end in sorted(report.read_up_to.items()):
        committed = report.committed.get((topic, partition))
        lines.append(f"  {topic} {partition}: {end}" + ("" if committed is None else f"; committed {committed}"))
    lines.append(
        f"{report.participants} participants checked on {report.day}; {report.uncommitted_events} events not committed yet (not checked)"
    )
    if report.exact:
        lines.append("exact: every committed event is in its participant's stored state, and nothing else is")
        return "\n".join(lines)
    lines.append(f"{len(report.differences)} participants differ from their events")
    lines.append("by region (participants differing; active stored minus expected):")
    for code, counts in sorted(report.by_region(tree).items()):
        name = tree.regions[code].name if code in tree else ""
        lines.append(f"  {code:<14} {name:<28} {counts['participants']:>6} {counts['active_delta']:+d}")
    lines.append(f"participants (first event partition@offset; the first {SHOWN}):")
    for d in report.differences[:SHOWN]:
        what = []
        if d.missing:
            what.append("lacks " + ", ".join(f"{p}@{o}" for p, o in d.missing))
        if d.extra:
            what.append(f"holds {d.extra} event(s) not on the topic")
        if d.differs:
            what.append("holds other content for its events")
        lines.append(f"  {d.reference:<12} {d.region or '-':<14} {'; '.join(what)}")
    return "\n".join(lines)
