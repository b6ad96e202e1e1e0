from datetime import date, datetime, timedelta
from functools import reduce

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.domain.cliff import cliff_on
from streams.domain.events import PONTIANAK, AssistancePaid, ParticipantEnrolled, ParticipantLapsed
from streams.domain.fold import (
    Contribution,
    Coverage,
    History,
    Interval,
    Standing,
    apply,
    contribution_on,
    fold,
    fold_onto,
    is_assisted_on,
    merged,
    standing_on,
)
from streams.domain.history import active_spans

BASE = datetime(2024, 1, 1, tzinfo=PONTIANAK)
D0 = date(2024, 1, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def common(event_id, at, region="61.07.01.2001", segment="BPU", source="test"):
    return dict(
        event_id=event_id,
        occurred_at=BASE + timedelta(hours=at),
        participant_id="P-1",
        region_code=region,
        segment=segment,
        source=source,
    )


def enrolled(event_id, at, start, end, **kw):
    return ParticipantEnrolled(**common(event_id, at, **kw), covered_from=day(start), paid_through=day(end))


def assisted(event_id, at, start, end, payer="APBD-61", **kw):
    return AssistancePaid(
        **common(event_id, at, **kw), payer_id=payer, period_start=day(start), period_end=day(end), amount_idr=16800
    )


def lapsed(event_id, at, effective, **kw):
    return ParticipantLapsed(**common(event_id, at, **kw), reason="non_payment", effective_date=day(effective))


def history_of(*events) -> History:
    return reduce(apply, events, History())


def test_enrollment_is_active_inclusive_of_both_ends():
    coverage = fold(history_of(enrolled("a", 0, 10, 20)))
    assert standing_on(coverage, day(9)) is Standing.NOT_STARTED
    assert standing_on(coverage, day(10)) is Standing.ACTIVE
    assert standing_on(coverage, day(20)) is Standing.ACTIVE
    assert standing_on(coverage, day(21)) is Standing.GRACE
    assert standing_on(coverage, day(20 + 90)) is Standing.GRACE
    assert standing_on(coverage, day(20 + 91)) is Standing.ENDED


def test_lapse_clips_intervals_added_before_it_only():
    history = history_of(enrolled("a", 0, 0, 100), lapsed("b", 1, 50), assisted("c", 2, 60, 80))
    coverage = fold(history)
    assert coverage.intervals == (Interval(day(0), day(49), None), Interval(day(60), day(80), "APBD-61"))
    assert standing_on(coverage, day(49)) is Standing.ACTIVE
    assert standing_on(coverage, day(50)) is Standing.GRACE
    assert contribution_on(coverage, day(70)) == Contribution("61.07.01.2001", "BPU", "assisted")


def test_lapse_before_an_interval_starts_removes_it():
    coverage = fold(history_of(assisted("a", 0, 30, 60), lapsed("b", 1, 10)))
    assert coverage.intervals == ()
    assert standing_on(coverage, day(40)) is Standing.NOT_STARTED


def test_fold_order_is_occurred_at_then_event_id_not_arrival():
    # the lapse happened after the enrollment, though it arrived first
    history = history_of(lapsed("z", 5, 50), enrolled("a", 1, 0, 100))
    assert fold(history).intervals == (Interval(day(0), day(49), None),)
    # same occurred_at: event_id decides
    history = history_of(enrolled("b", 1, 0, 100), lapsed("a", 1, 50))
    assert fold(history).intervals == (Interval(day(0), day(100), None),)


def test_region_and_segment_come_from_the_last_event_in_fold_order():
    history = history_of(
        enrolled("b", 2, 0, 100, region="61.72"), enrolled("a", 1, 0, 100, region="61.07", segment="PU")
    )
    assert contribution_on(fold(history), day(5)) == Contribution("61.72", "BPU", "self_paid")


def test_redelivery_returns_the_same_state_object():
    history = history_of(enrolled("a", 0, 0, 10))
    assert apply(history, enrolled("a", 0, 0, 10)) is history


def test_conflicting_bodies_under_one_id_keep_the_same_one_in_any_order():
    first, second = enrolled("a", 0, 0, 10), enrolled("a", 0, 0, 99)
    assert history_of(first, second) == history_of(second, first)
    assert len(history_of(first, second)) == 1


def test_an_event_is_known_by_its_source_and_id_so_no_source_replaces_anothers():
    village, other = enrolled("a", 0, 0, 10, source="desa-a"), lapsed("a", 0, 0, source="desa-b")
    both = history_of(village, other)
    assert both == history_of(other, village) and len(both) == 2
    assert [e.source for e in both.events] == ["desa-a", "desa-b"]  # a tie on (occurred_at, event_id) sorts by source
    assert apply(both, enrolled("a", 0, 0, 99, source="desa-b")) is not both  # each source's copy is its own


# --- property: any permutation and any duplication gives the same state ---


def _event(draw_kind, event_id, at, start, length, source="test"):
    if draw_kind == 0:
        return enrolled(event_id, at, start, start + length, source=source)
    if draw_kind == 1:
        return assisted(event_id, at, start, start + length, source=source)
    return lapsed(event_id, at, start, source=source)


events_strategy = st.lists(
    st.builds(
        _event,
        st.integers(0, 2),
        st.sampled_from([f"e{i}" for i in range(8)]),  # repeated ids: redeliveries and conflicts
        st.integers(0, 6),  # few distinct times: ties resolved by event_id
        st.integers(0, 120),
        st.integers(0, 60),
        st.sampled_from(["desa-a", "desa-b"]),  # one id from two sources: two events
    ),
    max_size=12,
)


@settings(max_examples=400)
@given(events=events_strategy, data=st.data())
def test_any_permutation_and_duplication_gives_the_same_state(events, data):
    reference = history_of(*events)
    delivered = data.draw(
        st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=6)) if events else [])
    )
    assert history_of(*delivered) == reference
    probe_days = [day(n) for n in range(0, 200, 7)]
    assert [contribution_on(fold(history_of(*delivered)), d) for d in probe_days] == [
        contribution_on(fold(reference), d) for d in probe_days
    ]


@given(events=events_strategy)
def test_history_has_distinct_ids_in_fold_order(events):
    history = history_of(*events)
    ids = [(e.source, e.event_id) for e in history.events]
    assert len(ids) == len(set(ids))
    assert [e.fold_key for e in history.events] == sorted(e.fold_key for e in history.events)


# --- merged coverage: each payer's overlapping and adjacent intervals joined ---

PAYERS = [None, "APBD-61", "APBDES-61.07.01.2001", "CSR-X"]
intervals_strategy = st.lists(
    # a negative length gives an interval that ends before it starts: no day, but an end
    st.builds(
        lambda start, length, payer: Interval(day(start), day(start + length), payer),
        st.integers(0, 60),
        st.integers(-5, 40),
        st.sampled_from(PAYERS),
    ),
    max_size=8,
)


def assert_same_answers(coverage: Coverage, other: Coverage) -> None:
    """Every question the worker asks of coverage, on every day around its intervals."""
    assert active_spans(other) == active_spans(coverage)
    for d in (day(n) for n in range(-5, 200)):
        assert standing_on(other, d) is standing_on(coverage, d)
        assert is_assisted_on(other, d) == is_assisted_on(coverage, d)
        assert contribution_on(other, d) == contribution_on(coverage, d)
        assert cliff_on(other, d) == cliff_on(coverage, d)


@given(intervals=intervals_strategy, data=st.data())
def test_merged_coverage_answers_as_the_coverage_does(intervals, data):
    coverage = Coverage(tuple(intervals), "61.07.01.2001", "BPU")
    joined = merged(coverage)
    assert_same_answers(coverage, joined)
    # canonical: the same whatever the order of the intervals, and merging again changes nothing
    assert merged(Coverage(tuple(data.draw(st.permutations(intervals))), "61.07.01.2001", "BPU")) == joined
    assert merged(joined) == joined
    for payer in PAYERS:
        days = [(i.start, i.end) for i in joined.intervals if i.payer_id == payer and i.start <= i.end]
        assert all((later[0] - earlier[1]).days > 1 for earlier, later in zip(days, days[1:]))


@settings(max_examples=200)
@given(events=events_strategy)
def test_merged_fold_answers_as_the_fold_does(events):
    coverage = fold(history_of(*events))
    assert_same_answers(coverage, merged(coverage))


@settings(max_examples=300)
@given(events=events_strategy)
def test_folding_onto_merged_coverage_is_the_merged_fold(events):
    history = history_of(*events).events
    for k in range(len(history)):
        assert fold_onto(merged(fold(History(history[:k]))), history[k]) == merged(fold(History(history[: k + 1])))


def test_ten_years_of_monthly_payments_are_one_interval():
    months = [(start, start + 29) for start in range(0, 3600, 30)]
    history = history_of(*(enrolled(f"m{n}", n, start, end) for n, (start, end) in enumerate(months)))
    assert merged(fold(history)).intervals == (Interval(day(0), day(3599), None),)
    assert len(fold(history).intervals) == 120
