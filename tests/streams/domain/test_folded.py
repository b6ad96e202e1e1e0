from hypothesis import given

from streams.domain.fold import History, fold, merged
from streams.domain.folded import NOTHING, Folded, comes_last, folded, folded_onto

from .test_fold import enrolled, events_strategy, history_of


@given(events=events_strategy)
def test_folding_one_event_at_a_time_gives_the_folded_history(events):
    history = history_of(*events)
    summary = NOTHING
    for event in history.events:
        # only another source's event under the same time and id is not surely last
        assert comes_last(summary, event) or (event.occurred_at, event.event_id) == summary.last_key
        summary = folded_onto(summary, event)
    assert (
        summary
        == folded(history)
        == Folded(
            merged(fold(history)),
            (history.events[-1].occurred_at, history.events[-1].event_id) if history.events else None,
        )
    )


def test_an_event_comes_last_only_after_the_greatest_fold_key():
    summary = folded(History((enrolled("b", 1, 0, 10),)))
    assert comes_last(summary, enrolled("a", 2, 0, 10))  # later
    assert comes_last(summary, enrolled("c", 1, 0, 10))  # same time, greater event_id
    assert not comes_last(summary, enrolled("a", 1, 0, 10))
    assert not comes_last(summary, enrolled("b", 1, 0, 10))  # the same key: the same event
    assert not comes_last(summary, enrolled("z", 0, 0, 10))
    # another source's event at the same time and id may sort before or after: the slow way decides
    assert not comes_last(summary, enrolled("b", 1, 0, 10, source="a")) and not comes_last(
        summary, enrolled("b", 1, 0, 10, source="z")
    )
