"""The daily history equals, on every day, the number of participants active that day."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.fold import Coverage, Interval, Standing, standing_on
from streams.domain.history import DailyActive, active_spans

D0 = date(2026, 1, 1)


def coverage(*intervals: tuple[int, int], region="61.07") -> Coverage:
    return Coverage(tuple(Interval(D0 + timedelta(s), D0 + timedelta(e), None) for s, e in intervals), region, "BPU")


def test_overlapping_and_adjacent_intervals_make_one_span():
    assert active_spans(coverage((0, 10), (5, 20), (21, 30), (40, 41))) == (
        (D0, D0 + timedelta(30)),
        (D0 + timedelta(40), D0 + timedelta(41)),
    )


def test_counts_follow_moves_between_regions():
    daily = DailyActive()
    daily.move((), (), ("61.07", "61"), active_spans(coverage((0, 9))))
    daily.move(("61.07", "61"), active_spans(coverage((0, 9))), ("61.72", "61"), active_spans(coverage((5, 9))))
    assert daily.counts("61.07", D0, D0 + timedelta(10)) == [0] * 11
    assert daily.counts("61", D0, D0 + timedelta(10)) == [0] * 5 + [1] * 5 + [0]
    assert daily.take_changed_regions() == {"61.07", "61.72", "61"}
    assert daily.take_changed_regions() == set()
    assert sorted(daily.regions()) == ["61", "61.72"]


intervals = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 30)).map(lambda t: (t[0], t[0] + t[1])), max_size=4)


@given(people=st.lists(intervals, max_size=12), first=st.integers(0, 80), length=st.integers(1, 30))
def test_history_counts_are_active_participants_per_day(people, first, length):
    daily = DailyActive()
    coverages = [coverage(*spans) for spans in people]
    for c in coverages:
        daily.move((), (), ("61",), active_spans(c))
    first_day = D0 + timedelta(first)
    days = [first_day + timedelta(i) for i in range(length)]
    expected = [sum(standing_on(c, day) is Standing.ACTIVE for c in coverages) for day in days]
    assert daily.counts("61", days[0], days[-1]) == expected
