from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.harness import NOW
from bench.history import histories, month_back, month_end
from services.gateway.publishing import message
from services.registry import Registry
from streams.domain.events import AssistancePaid, ParticipantEnrolled
from streams.domain.validation import parse_event
from tests.tools import copy_registry

FINAL = date(2026, 6, 1)


@pytest.fixture(scope="module")
def tree(registry_template, tmp_path_factory):
    with Registry(copy_registry(registry_template, tmp_path_factory.mktemp("bench") / "registry.db")) as registry:
        return registry.region_tree()


@pytest.mark.parametrize("depth", [1, 12, 120])
def test_every_event_is_valid_for_the_worker_and_in_fold_order(tree, depth):
    now = datetime.fromisoformat(NOW)
    for events in histories(tree, depth, 3, FINAL):
        assert len(events) == depth + 1
        assert isinstance(events[0], ParticipantEnrolled)
        assert all(isinstance(e, AssistancePaid) for e in events[1:])
        assert [e.fold_key for e in events] == sorted({e.fold_key for e in events})
        for event in events:
            key, value = message(event)
            assert key == event.participant_id.encode()
            assert parse_event(value, tree, now) == event


def test_only_the_final_event_covers_the_bench_day(tree):
    day = datetime.fromisoformat(NOW).date()
    for events in histories(tree, 12, 3, FINAL):
        *prior, final = events
        assert final.period_start <= day <= final.period_end
        assert all(e.paid_through < FINAL for e in prior[:1]) and all(e.period_end < FINAL for e in prior[1:])


def test_monthly_periods_are_adjacent(tree):
    (events,) = histories(tree, 120, 1, FINAL)
    starts = [events[0].covered_from] + [e.period_start for e in events[1:]]
    ends = [events[0].paid_through] + [e.period_end for e in events[1:]]
    assert starts[0] == date(2016, 6, 1)
    assert all(end + timedelta(days=1) == start for end, start in zip(ends, starts[1:]))


@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)).map(lambda d: d.replace(day=1)), st.integers(-600, 600))
def test_month_back_moves_by_whole_months(month, months):
    earlier = month_back(month, months)
    assert earlier.day == 1
    assert (month.year - earlier.year) * 12 + month.month - earlier.month == months
    assert month_end(earlier) + timedelta(days=1) == month_back(earlier, -1)
