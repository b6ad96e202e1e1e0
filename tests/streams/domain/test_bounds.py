"""The bounds' one non-obvious check: a moment's Pontianak date, without converting the moment."""

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.bounds import EARLIEST_DATE, LATEST_DATE, moment_in_range
from streams.domain.events import PONTIANAK

offsets = st.integers(-1439, 1439).map(lambda minutes: timezone(timedelta(minutes=minutes)))
near_a_bound = st.sampled_from((datetime(1990, 1, 1), datetime(2101, 1, 1))).flatmap(
    lambda bound: st.integers(-3 * 86400, 3 * 86400).map(lambda seconds: bound + timedelta(seconds=seconds))
)
# years 2 to 9998: room for astimezone, which overflows near datetime.min and datetime.max
anywhere = st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31))


@given(near_a_bound | anywhere, offsets)
def test_a_moment_is_in_range_when_its_pontianak_date_is(wall_clock, offset):
    moment = wall_clock.replace(tzinfo=offset)
    assert moment_in_range(moment) == (EARLIEST_DATE <= moment.astimezone(PONTIANAK).date() <= LATEST_DATE)
