"""A partition is caught up only once it has processed what was waiting; it falls behind past a bound."""

from hypothesis import given
from hypothesis import strategies as st

from streams.catch_up import FALLING_BEHIND_MESSAGES, CatchUp, assigned, progressed, with_target

EVENTS, REKEYED = "events", "rekeyed"


def test_not_caught_up_until_the_end_offsets_seen_on_assignment_are_processed():
    state = assigned()
    state = progressed(state, {EVENTS: 900, REKEYED: 0}, {EVENTS: None, REKEYED: None})
    assert not state.caught_up  # where it ends is not known yet
    state = with_target(state, {EVENTS: 1000, REKEYED: 3})
    state = progressed(state, {EVENTS: 999, REKEYED: 3}, {EVENTS: 1000, REKEYED: 3})
    assert not state.caught_up  # one message short: a backlog of one is still a backlog
    state = progressed(state, {EVENTS: 1000, REKEYED: 3}, {EVENTS: 1200, REKEYED: 3})
    assert state.caught_up  # what was waiting on assignment is counted; newer flow is ordinary


def test_nothing_waiting_is_caught_up_at_once():
    state = with_target(assigned(), {EVENTS: 40, REKEYED: 0})
    assert progressed(state, {EVENTS: 40, REKEYED: 0}, {EVENTS: None, REKEYED: None}).caught_up


def test_a_stale_view_of_the_topic_does_not_count_once_the_target_is_known():
    state = with_target(assigned(), {EVENTS: 502, REKEYED: 0})
    assert not progressed(state, {EVENTS: 0, REKEYED: 0}, {EVENTS: 0, REKEYED: 0}).caught_up


def test_a_lag_back_at_zero_is_caught_up_even_before_the_target_is_known():
    state = progressed(assigned(), {EVENTS: 70, REKEYED: 5}, {EVENTS: 70, REKEYED: 5})
    assert state.caught_up
    assert not progressed(assigned(), {EVENTS: 70}, {EVENTS: 70, REKEYED: 5}).caught_up  # re-keyed position unknown


def test_falling_behind_lasts_until_what_was_there_then_is_processed():
    live = CatchUp(None, True)
    assert progressed(live, {EVENTS: 100, REKEYED: 0}, {EVENTS: 100 + FALLING_BEHIND_MESSAGES, REKEYED: 0}).caught_up
    behind = progressed(live, {EVENTS: 100, REKEYED: 0}, {EVENTS: 101 + FALLING_BEHIND_MESSAGES, REKEYED: 0})
    assert not behind.caught_up and behind.target == {EVENTS: 101 + FALLING_BEHIND_MESSAGES, REKEYED: 0}
    assert not progressed(behind, {EVENTS: 500, REKEYED: 0}, {EVENTS: 9000, REKEYED: 0}).caught_up
    assert progressed(behind, {EVENTS: 101 + FALLING_BEHIND_MESSAGES, REKEYED: 0}, {EVENTS: 9000, REKEYED: 0}).caught_up


def test_a_known_target_is_not_replaced_once_caught_up():
    live = CatchUp(None, True)
    assert with_target(live, {EVENTS: 10**6}) is live


offsets = st.integers(min_value=0, max_value=10_000)


@given(target=offsets, steps=st.lists(st.tuples(offsets, offsets), max_size=30))
def test_never_caught_up_before_its_target(target, steps):
    """Whatever the progress reports, even inconsistent ones, catching up was earned."""
    state = with_target(assigned(), {EVENTS: target})
    for processed, highwater in steps:
        before = state
        state = progressed(state, {EVENTS: processed}, {EVENTS: highwater})
        if state.caught_up and not before.caught_up:
            assert processed >= before.target[EVENTS]
        if before.caught_up and not state.caught_up:
            assert highwater - processed > FALLING_BEHIND_MESSAGES
        if before.caught_up and state.caught_up:
            assert highwater - processed <= FALLING_BEHIND_MESSAGES
