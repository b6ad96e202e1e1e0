"""The exactness check finds a missing event, an extra one and other content, and nothing else."""

from __future__ import annotations

from datetime import date, datetime

from streams.batch import Record
from streams.codec import encode_state
from streams.domain.fold import History, apply
from streams.domain.ownership import NOBODY, Owners
from streams.domain.regions import Region, RegionTree
from streams.domain.validation import parse_event
from streams.exactness import verify
from streams.partitioning import partition_of

from .domain.factories import raw

EVENTS, REKEYED = "events", "rekeyed"
PARTITIONS = 4
NOW = datetime.fromisoformat("2025-07-15T12:00:00+07:00")
TREE = RegionTree.from_regions(
    [
        Region("61", None, "province", "K"),
        Region("61.07", "61", "regency", "B"),
        Region("61.07.01", "61.07", "district", "D"),
        Region("61.07.01.2001", "61.07.01", "village", "V"),
    ]
)
HOME = partition_of("P-0001", PARTITIONS)
ELSEWHERE = (HOME + 1) % PARTITIONS
ENROLLED = raw(event_id="a")
PAID = raw("assistance_payment", event_id="b", occurred_at="2025-06-03T09:00:00+07:00")


def check(events, changelog, committed, rekeyed=(), owners=NOBODY):
    return verify(
        events=events,
        rekeyed=rekeyed,
        changelog=changelog,
        committed=committed,
        read_up_to={},
        validate=lambda value: parse_event(value, TREE, NOW),
        partitions=PARTITIONS,
        events_topic=EVENTS,
        rekeyed_topic=REKEYED,
        day=date(2025, 7, 15),
        owners=owners,
    )


def stored(*values: bytes) -> Record:
    history = History()
    for value in values:
        history = apply(history, parse_event(value, TREE, NOW))
    return Record("changelog", HOME, 0, 0.0, b"P-0001", encode_state(HOME, history))


def on_home(*values: bytes) -> list[Record]:
    return [Record(EVENTS, HOME, offset, 0.0, b"P-0001", value) for offset, value in enumerate(values)]


def test_state_that_holds_every_committed_event_is_exact():
    report = check(on_home(ENROLLED, PAID), [stored(ENROLLED, PAID)], {(EVENTS, HOME): 2})
    assert report.exact and report.participants == 1


def test_a_committed_event_missing_from_the_state_is_named_by_its_offset_and_region():
    report = check(on_home(ENROLLED, PAID), [stored(ENROLLED)], {(EVENTS, HOME): 2})
    [difference] = report.differences
    assert difference.missing == ((HOME, 1),) and difference.reference == f"{HOME}@0"
    assert report.by_region(TREE)["61.07"]["participants"] == 1


def test_an_uncommitted_event_may_be_stored_or_not():
    assert check(on_home(ENROLLED, PAID), [stored(ENROLLED)], {(EVENTS, HOME): 1}).exact
    assert check(on_home(ENROLLED, PAID), [stored(ENROLLED, PAID)], {(EVENTS, HOME): 1}).exact
    assert check(on_home(ENROLLED, PAID), [stored(ENROLLED, PAID)], {(EVENTS, HOME): 1}).uncommitted_events == 1


def test_a_participant_with_no_state_at_all_is_missing_and_was_active():
    report = check(on_home(ENROLLED), [], {(EVENTS, HOME): 1})
    [difference] = report.differences
    assert difference.active_expected and not difference.active_stored
    assert report.by_region(TREE)["61"]["active_delta"] == -1


def test_a_stored_event_the_topic_does_not_hold_is_extra():
    report = check(on_home(ENROLLED), [stored(ENROLLED, PAID)], {(EVENTS, HOME): 1})
    [difference] = report.differences
    assert difference.extra == 1 and not difference.missing


def test_a_miskeyed_event_counts_once_its_forwarded_copy_is_committed():
    events = [Record(EVENTS, ELSEWHERE, 0, 0.0, None, ENROLLED)]
    copy = [Record(REKEYED, HOME, 0, 0.0, b"P-0001", ENROLLED)]
    committed = {(EVENTS, ELSEWHERE): 1}
    assert check(events, [], committed, copy).exact  # forwarded, not yet counted
    assert not check(events, [], {**committed, (REKEYED, HOME): 1}, copy).exact


def test_invalid_records_are_not_expected_anywhere():
    assert check(on_home(b"not json", ENROLLED), [stored(ENROLLED)], {(EVENTS, HOME): 2}).exact


def test_a_tombstone_removes_the_state():
    tombstone = Record("changelog", HOME, 1, 0.0, b"P-0001", None)
    assert not check(on_home(ENROLLED), [stored(ENROLLED), tombstone], {(EVENTS, HOME): 1}).exact


def test_an_event_the_worker_refused_for_want_of_ownership_is_expected_nowhere():
    owners = Owners(TREE, {"desa-lain": ["61.07.01"]})
    moved = raw(
        event_id="m", region_code="61.07", occurred_at="2025-06-02T09:00:00+07:00"
    )  # out of desa-lain's district
    refused = raw(
        "lapse", event_id="x", source="desa-lain", occurred_at="2025-06-04T09:00:00+07:00", effective_date="2025-06-04"
    )
    events = on_home(ENROLLED, moved, refused)
    assert check(events, [stored(ENROLLED, moved)], {(EVENTS, HOME): 3}, owners=owners).exact
    [difference] = check(events, [stored(ENROLLED, moved)], {(EVENTS, HOME): 3}).differences  # judged without owners
    assert difference.missing == ((HOME, 2),)
