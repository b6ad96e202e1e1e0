from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams import participant_state
from streams.codec import decode_state, decode_summary, encode_state
from streams.domain.cliff import cliff_on
from streams.domain.fold import History, apply, contribution_on, fold, is_assisted_on, merged, standing_on
from streams.domain.folded import folded
from streams.domain.history import active_spans
from streams.participant_state import updated

from .domain.test_fold import assisted, day, enrolled, events_strategy, history_of, lapsed


def applied_flags(history: History, events) -> tuple[bool, ...]:
    """What apply() says of each event, one after the other: applied, or a duplicate."""
    flags = []
    for event in events:
        after = apply(history, event)
        flags.append(after is not history)
        history = after
    return tuple(flags)


@settings(max_examples=400)
@given(events=events_strategy, data=st.data())
def test_any_order_duplicates_and_batches_give_the_full_fold(events, data):
    reference = history_of(*events)
    delivered = data.draw(
        st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=6)) if events else [])
    )
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(delivered) - 1)))) if delivered else [])
    stored = None
    for batch in (delivered[a:b] for a, b in zip([0, *cuts], [*cuts, len(delivered)]) if b > a):
        known = decode_state(stored)[1] if stored is not None else History()
        update = updated(stored, 3, batch)
        assert update.applied == applied_flags(known, batch)
        assert (update.value is None) == (not any(update.applied))
        stored = update.value or stored
        assert update.after == decode_summary(stored)[1]
    if not events:
        assert stored is None
        return
    # the same bytes whichever way the events came: the path taken leaves no trace
    assert stored == encode_state(3, reference)
    assert decode_state(stored) == (3, reference)
    summary = decode_summary(stored)[1]
    assert summary == folded(reference)
    full = fold(reference)
    assert summary.coverage == merged(full)
    assert (summary.coverage.region_code, summary.coverage.segment) == (full.region_code, full.segment)
    assert active_spans(summary.coverage) == active_spans(full)
    for d in (day(n) for n in range(0, 280, 3)):
        assert contribution_on(summary.coverage, d) == contribution_on(full, d)
        assert cliff_on(summary.coverage, d) == cliff_on(full, d)
        assert standing_on(summary.coverage, d) is standing_on(full, d)
        assert is_assisted_on(summary.coverage, d) == is_assisted_on(full, d)


@pytest.fixture
def history_never_decoded(monkeypatch):
    def refuse(data):
        raise AssertionError("the history was decoded")

    monkeypatch.setattr(participant_state, "decode_state", refuse)


def test_in_order_events_with_new_ids_never_decode_the_history(history_never_decoded):
    months = [enrolled(f"m{n:03d}", n, 30 * n, 30 * n + 29) for n in range(120)]
    stored = None
    for event in months[:60]:
        stored = updated(stored, 0, [event]).value
    stored = updated(stored, 0, months[60:]).value  # a batch too
    assert stored == encode_state(0, History(tuple(months)))
    assert len(decode_summary(stored)[1].coverage.intervals) == 1


def test_a_known_id_with_a_later_time_keeps_the_canonically_smallest_body():
    first = assisted("a", 0, 0, 10, payer="APBD-61")
    later = assisted("a", 5, 0, 10, payer="APBD-61.07")  # the same id, another body, after every known key
    stored = updated(None, 0, [first]).value
    update = updated(stored, 0, [later])
    assert update.applied == applied_flags(History((first,)), [later])
    assert decode_state(update.value or stored)[1] == history_of(first, later) == history_of(later, first)


def test_an_out_of_order_event_refolds_from_the_history():
    stored = updated(None, 0, [enrolled("a", 0, 0, 100), enrolled("c", 2, 200, 300)]).value
    update = updated(stored, 0, [lapsed("b", 1, 50)])
    assert update.after == folded(history_of(enrolled("a", 0, 0, 100), lapsed("b", 1, 50), enrolled("c", 2, 200, 300)))


@pytest.mark.parametrize("at", [1, 3], ids=["out-of-order", "in-order"])
def test_an_event_that_cannot_be_folded_raises_either_way(at):
    stored = updated(None, 0, [enrolled("a", 0, 0, 10), enrolled("c", 2, 20, 30)]).value
    with pytest.raises(OverflowError):  # the day before 0001-01-01
        updated(stored, 0, [replace(lapsed("b", at, 0), effective_date=date(1, 1, 1))])
