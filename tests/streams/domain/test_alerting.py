"""Alert transitions: raised after the hold, updated on escalation, resolved after the hold."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.alerting import AlertBook, Decision

T0 = datetime(2026, 6, 30, 12, 0)
HOLD = timedelta(minutes=10)


def run(book: AlertBook, statuses: list[tuple[int, str]], region="61.07") -> list[Decision]:
    """Evaluate (minute, status) observations, publishing every decision."""
    decisions = []
    for minute, status in statuses:
        decision = book.evaluate("coverage_status", region, status, T0 + timedelta(minutes=minute), HOLD)
        if decision:
            decisions.append(decision)
            book.record(
                decision.kind,
                decision.region_code,
                decision.transition,
                decision.alert_id,
                decision.sequence,
                decision.status,
            )
    return decisions


def test_an_episode_is_raised_after_the_hold_escalated_once_and_resolved_after_the_hold():
    book = AlertBook()
    decisions = run(
        book,
        [
            (0, "behind"),
            (5, "behind"),
            (10, "behind"),
            (11, "critical"),
            (12, "behind"),
            (13, "critical"),
            (20, "on_track"),
            (29, "on_track"),
            (30, "on_track"),
            (31, "on_track"),
        ],
    )
    assert [(d.transition, d.status, d.previous_status, d.transition_id) for d in decisions] == [
        ("raised", "behind", "on_track", "coverage_status:61.07:1:1"),
        ("updated", "critical", "behind", "coverage_status:61.07:1:2"),
        ("resolved", "on_track", "critical", "coverage_status:61.07:1:3"),
    ]


def test_a_dip_shorter_than_the_hold_raises_nothing():
    assert run(AlertBook(), [(0, "behind"), (9, "behind"), (10, "on_track"), (15, "behind"), (24, "behind")]) == []


def test_the_next_episode_gets_a_new_id():
    book = AlertBook()
    run(book, [(0, "critical"), (10, "critical"), (20, "on_track"), (30, "on_track")])
    [raised] = run(book, [(40, "behind"), (50, "behind")])
    assert raised.alert_id == "coverage_status:61.07:2" and raised.transition == "raised"


@given(
    st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["on_track", "behind", "critical"])), max_size=40),
    st.integers(0, 40),
)
def test_a_book_rebuilt_from_the_published_transitions_never_repeats_one(steps, restart_at):
    """A restart folds the published log into a new book: no transition is published twice."""
    observations, minute = [], 0
    for gap, status in steps:
        minute += gap * 4
        observations.append((minute, status))
    book = AlertBook()
    published = run(book, observations[:restart_at])
    rebuilt = AlertBook()
    for d in published:
        rebuilt.record(d.kind, d.region_code, d.transition, d.alert_id, d.sequence, d.status)
    published += run(rebuilt, observations[restart_at:])
    ids = [d.transition_id for d in published]
    assert len(ids) == len(set(ids))
    # transitions alternate properly: raised first in an episode, resolved last
    open_ = False
    for d in published:
        assert (d.transition == "raised") == (not open_)
        open_ = d.transition != "resolved"
