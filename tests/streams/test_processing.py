from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams import codec
from streams.clock import Clock
from streams.domain.events import ParticipantEnrolled, ParticipantLapsed
from streams.domain.ownership import Owners
from streams.domain.regions import Region, RegionTree
from streams.domain.validation import Rejected
from streams.participant_store import InMemoryStore
from streams.processing import CoverageProcessor

from .domain.factories import raw
from .test_codec import VERSION_0

TREE = RegionTree.from_regions(
    [
        Region("61", None, "province", "K"),
        Region("61.07", "61", "regency", "B"),
        Region("61.07.01", "61.07", "district", "D"),
        Region("61.07.01.2001", "61.07.01", "village", "V"),
        Region("61.72", "61", "regency", "S"),
    ]
)


def processor(store=None, at="2025-07-15T12:00:00+07:00"):
    return CoverageProcessor(TREE, InMemoryStore({} if store is None else store), Clock.parse(at))


def feed(p, data: bytes, partition=0):
    [outcome] = p.apply_events([p.validate(data)], partition)
    return outcome


def total(p) -> int:
    return sum(c.total() for c in p.counts.values())


def test_a_message_without_a_value_is_rejected():
    assert processor().validate(None) == Rejected("not_json", "the message has no value")


def test_applied_then_duplicate():
    p = processor()
    assert feed(p, raw()).kind == "applied"
    assert feed(p, raw()).kind == "duplicate"
    assert total(p) == 1


def test_a_participant_who_moves_is_counted_once_in_the_new_region():
    p = processor()
    feed(p, raw(event_id="a"))
    feed(p, raw(event_id="b", occurred_at="2025-06-02T09:00:00+07:00", region_code="61.72"))
    [(contribution, n)] = list(p.counts_of(0).active.items())
    assert contribution.region_code == "61.72" and n == 1


def test_rebuild_recounts_only_the_given_partitions_from_the_store():
    store = {}
    p = processor(store)
    feed(p, raw(participant_id="P-1", event_id="a"), partition=1)
    feed(p, raw(participant_id="P-2", event_id="b"), partition=2)
    fresh = processor(store)  # a restarted worker with the same store
    fresh.rebuild({2})
    assert sorted(fresh.counts) == [2] and total(fresh) == 1
    fresh.forget({2})
    assert total(fresh) == 0


class MovableClock(Clock):
    def __init__(self, at: str):
        object.__setattr__(self, "at", at)

    def now(self):
        return datetime.fromisoformat(self.at)

    def move_to(self, at: str) -> None:
        object.__setattr__(self, "at", at)


def test_counts_follow_the_calendar_without_new_events():
    clock = MovableClock("2025-08-31T23:59:00+07:00")
    p = CoverageProcessor(TREE, InMemoryStore(), clock)
    feed(p, raw())  # covered 2025-06-01 .. 2025-08-31
    assert total(p) == 1 and not p.turn_day_if_needed()
    clock.move_to("2025-09-01T00:00:00+07:00")  # local midnight
    assert p.turn_day_if_needed()
    assert total(p) == 0


def test_future_assistance_counts_from_its_first_day():
    clock = MovableClock("2025-12-31T12:00:00+07:00")
    p = CoverageProcessor(TREE, InMemoryStore(), clock)
    feed(
        p,
        raw(
            "assistance_payment",
            occurred_at="2025-12-20T09:00:00+07:00",
            period_start="2026-01-01",
            period_end="2026-12-31",
        ),
    )
    assert total(p) == 0
    clock.move_to("2026-01-01T00:00:01+07:00")
    p.turn_day_if_needed()
    assert total(p) == 1


class RecordingStore(dict):
    def __init__(self):
        super().__init__()
        self.writes = []

    def __setitem__(self, key, value):
        self.writes.append(key)
        super().__setitem__(key, value)


def test_a_redelivery_writes_the_state_again():
    store = RecordingStore()
    p = processor(store)
    feed(p, raw())
    feed(p, raw())
    assert store.writes == ["P-0001", "P-0001"]


def test_several_events_of_one_participant_are_read_and_written_once():
    store = RecordingStore()
    p = processor(store)
    events = [p.validate(raw(event_id=i)) for i in ("a", "b", "a")]
    assert [o.kind for o in p.apply_events(events, 0)] == ["applied", "applied", "duplicate"]
    assert store.writes == ["P-0001"] and total(p) == 1


# Dates the validator accepts today but the fold cannot handle: the day before 0001-01-01
# and the day after 9999-12-31 do not exist.
AT = datetime.fromisoformat("2026-06-01T09:00:00+07:00")


def enrolled(event_id="e", participant_id="P-0001", covered_from=date(2026, 1, 1), paid_through=date(2026, 12, 31)):
    return ParticipantEnrolled(
        event_id=event_id,
        occurred_at=AT,
        participant_id=participant_id,
        region_code="61.07.01.2001",
        segment="BPU",
        source="test",
        covered_from=covered_from,
        paid_through=paid_through,
    )


def lapsed(effective_date, event_id="l", participant_id="P-0001"):
    return ParticipantLapsed(
        event_id=event_id,
        occurred_at=AT,
        participant_id=participant_id,
        region_code="61.07.01.2001",
        segment="BPU",
        source="test",
        reason="non_payment",
        effective_date=effective_date,
    )


def snapshot(p, store) -> tuple:
    """Everything apply_events may change: the stored states and every count of every partition."""
    counts = {
        partition: (
            sorted(c.active.items(), key=repr),
            sorted(c.cliff.items(), key=repr),
            {region: c.daily.counts(region, date(2025, 1, 1), date(2027, 12, 31)) for region in c.daily.regions()},
            c.version,
        )
        for partition, c in p.counts.items()
    }
    return dict(store), counts


@pytest.mark.parametrize(
    "poison",
    [
        [lapsed(date(1, 1, 1))],  # the fold takes the day before the lapse
        [enrolled("e2", paid_through=date(9999, 12, 31))],  # the daily history marks the day after the end
        [
            enrolled("e2", covered_from=date(2027, 1, 1), paid_through=date(2027, 12, 31)),
            lapsed(date(1, 1, 1), event_id="l0"),
        ],
    ],
    ids=["lapse-0001-01-01", "paid-through-9999-12-31", "among-valid-events"],
)
def test_events_that_cannot_be_folded_leave_the_store_and_the_counts_unchanged(poison):
    store = {}
    p = CoverageProcessor(TREE, InMemoryStore(store), Clock.parse("2026-06-30T12:00:00+07:00"))
    p.apply_events([enrolled()], 0)
    p.apply_events([enrolled(participant_id="P-0002")], 0)
    before = snapshot(p, store)
    with pytest.raises(OverflowError):
        p.apply_events(poison, 0)
    assert snapshot(p, store) == before
    assert total(p) == 2
    # the processor goes on: the next events of the same participant count
    p.apply_events([lapsed(date(2026, 6, 1))], 0)
    assert total(p) == 1


@given(
    st.lists(
        st.one_of(
            st.builds(enrolled, event_id=st.sampled_from("abc"), covered_from=st.dates(), paid_through=st.dates()),
            st.builds(lapsed, st.dates(), event_id=st.sampled_from("xyz")),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_applying_events_either_succeeds_or_changes_nothing(events):
    store = {}
    p = CoverageProcessor(TREE, InMemoryStore(store), Clock.parse("2026-06-30T12:00:00+07:00"))
    p.apply_events([enrolled()], 0)
    before = snapshot(p, store)
    try:
        p.apply_events(events, 0)
    except OverflowError:
        assert snapshot(p, store) == before
    else:  # the counts are those a fresh processor derives from the stored state
        fresh = CoverageProcessor(TREE, InMemoryStore(dict(store)), Clock.parse("2026-06-30T12:00:00+07:00"))
        fresh.rebuild({0})
        assert snapshot(fresh, store)[1][0][:3] == snapshot(p, store)[1][0][:3]


def test_rebuild_reads_the_kept_coverage_not_the_history(monkeypatch):
    store = {}
    p = processor(store)
    feed(p, raw(participant_id="P-1", event_id="a"), partition=1)
    feed(
        p,
        raw(participant_id="P-1", event_id="b", occurred_at="2025-06-02T09:00:00+07:00", paid_through="2025-09-30"),
        partition=1,
    )

    def refuse(data):
        raise AssertionError("the history was decoded")

    monkeypatch.setattr(codec, "decode_state", refuse)
    fresh = processor(store)
    fresh.rebuild({1})
    assert snapshot(fresh, store)[1][1][:3] == snapshot(p, store)[1][1][:3]


def test_state_written_before_the_version_byte_is_counted_and_rewritten():
    store = {"P-1": VERSION_0}  # partition 2; enrolled and self-paid on 2025-07-15
    p = processor(store)
    p.rebuild({2})
    [(contribution, count)] = p.counts_of(2).active.items()
    assert (contribution.funding, count) == ("self_paid", 1)
    feed(p, raw(participant_id="P-1", event_id="late", occurred_at="2025-07-02T09:00:00+07:00"), partition=2)
    partition, history = codec.decode_state(store["P-1"])
    assert store["P-1"][0] == codec.VERSION and partition == 2 and len(history) == 4


def test_state_of_an_unknown_version_fails_and_changes_nothing():
    store = {}
    p = processor(store)
    feed(p, raw(participant_id="P-1"))
    store["P-1"] = bytes([codec.VERSION + 1]) + store["P-1"][1:]
    before = snapshot(p, store)
    with pytest.raises(ValueError, match="version"):
        feed(p, raw(participant_id="P-1", event_id="next", occurred_at="2025-06-02T09:00:00+07:00"))
    assert snapshot(p, store) == before


@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),  # participant
            st.sampled_from(["2025-01-31", "2025-06-30", "2025-07-31", "2025-12-31"]),  # paid through
            st.sampled_from(["61.07.01.2001", "61.72"]),
            st.booleans(),  # a lapse rather than a payment
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_recount_gives_the_counts_kept_event_by_event_however_many_participants_share_a_coverage(changes):
    store = {}
    p = processor(store)
    for n, (participant, paid_through, region, lapse) in enumerate(changes):
        moment = f"2025-0{1 + n % 6}-0{1 + n % 9}T09:00:00+07:00"
        if lapse:
            data = raw(
                "lapse",
                participant_id=f"P-{participant}",
                event_id=f"e{n}",
                occurred_at=moment,
                effective_date="2025-07-01",
                region_code=region,
            )
        else:
            data = raw(
                participant_id=f"P-{participant}",
                event_id=f"e{n}",
                occurred_at=moment,
                covered_from="2025-01-01",
                paid_through=paid_through,
                region_code=region,
            )
        p.apply_events([p.validate(data)], participant % 2)
    fresh = processor(store)
    fresh.rebuild({0, 1})
    kept, recounted = snapshot(p, store)[1], snapshot(fresh, store)[1]
    nothing = ([], [], {})
    assert {k: recounted[k][:3] for k in (0, 1)} == {k: kept[k][:3] if k in kept else nothing for k in (0, 1)}


# --- who may change whom: two village sources and a province source (streams/domain/ownership.py)

OWNED_TREE = RegionTree.from_regions(
    [
        *TREE.regions.values(),
        Region("61.72.01", "61.72", "district", "D2"),
        Region("61.72.01.1001", "61.72.01", "village", "V2"),
    ]
)
VILLAGE_A, VILLAGE_B = "61.07.01.2001", "61.72.01.1001"


def owned_processor():
    p = CoverageProcessor(OWNED_TREE, InMemoryStore(), Clock.parse("2026-06-15T12:00:00+07:00"))
    p.use_owners(Owners(OWNED_TREE, {"desa-a": [VILLAGE_A], "desa-b": [VILLAGE_B], "bpjs-kalbar": ["61"]}))
    return p


def village_event(kind, event_id, source, region, hour=9, **fields):
    occurred_at = f"2026-06-01T{hour:02d}:00:00+07:00"
    if kind == "enrollment":
        fields = {"covered_from": "2026-06-01", "paid_through": "2026-12-31", **fields}
    return raw(
        kind,
        event_id=event_id,
        participant_id="pn1_worker",
        source=source,
        region_code=region,
        occurred_at=occurred_at,
        **fields,
    )


def outcomes(p, *raws):
    return [(o.kind, o.refused.reason if o.refused else None) for o in p.apply_events([p.validate(r) for r in raws], 0)]


def test_a_village_cannot_lapse_a_participant_of_another_regency_and_no_count_changes():
    p = owned_processor()
    assert outcomes(p, village_event("enrollment", "a-1", "desa-a", VILLAGE_A)) == [("applied", None)]
    before = (dict(p.store.data), p.counts[0].active.total())
    assert before[1] == 1
    lapse = village_event("lapse", "b-1", "desa-b", VILLAGE_B, hour=10, effective_date="2026-06-02")
    assert outcomes(p, lapse) == [("participant_out_of_scope", "participant_out_of_scope")]
    assert (dict(p.store.data), p.counts[0].active.total()) == before


def test_a_village_may_enrol_a_worker_who_moves_in_and_then_owns_the_worker():
    p = owned_processor()
    moved = village_event("enrollment", "b-1", "desa-b", VILLAGE_B, hour=10)
    after_move = village_event("lapse", "a-2", "desa-a", VILLAGE_A, hour=11, effective_date="2026-06-02")
    assert outcomes(p, village_event("enrollment", "a-1", "desa-a", VILLAGE_A), moved, after_move) == [
        ("applied", None),
        ("applied", None),
        ("participant_out_of_scope", "participant_out_of_scope"),
    ]
    assert p.counts[0].active.total() == 1


def test_the_province_source_may_change_anyone():
    p = owned_processor()
    lapse = village_event("lapse", "p-1", "bpjs-kalbar", VILLAGE_B, hour=10, effective_date="2026-06-02")
    assert outcomes(p, village_event("enrollment", "a-1", "desa-a", VILLAGE_A), lapse) == [
        ("applied", None),
        ("applied", None),
    ]
    assert p.counts[0].active.total() == 0


def test_one_id_from_two_sources_is_two_events():
    p = owned_processor()
    first = village_event("enrollment", "same", "desa-a", VILLAGE_A)
    other = village_event("lapse", "same", "bpjs-kalbar", VILLAGE_A, hour=10, effective_date="2026-06-02")
    assert outcomes(p, first, other, first) == [("applied", None), ("applied", None), ("duplicate", None)]
    assert p.counts[0].active.total() == 0
