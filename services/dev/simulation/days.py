"""Time arithmetic for the simulation: moments are integer seconds on the Pontianak wall clock.

A moment is `date.toordinal() * DAY + seconds_of_day`, so days, months and ISO strings are
cheap to derive and the generator never builds datetime objects per event.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

DAY = 86_400
HOUR = 3_600
PONTIANAK = timezone(timedelta(hours=7))


@lru_cache(maxsize=None)
def iso_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def iso_moment(moment: int) -> str:
    day, seconds = divmod(moment, DAY)
    hours, rest = divmod(seconds, HOUR)
    minutes, secs = divmod(rest, 60)
    return f"{iso_day(day)}T{hours:02d}:{minutes:02d}:{secs:02d}+07:00"


def day_of(moment: int) -> int:
    return moment // DAY


def moment_of(value: datetime) -> int:
    """Seconds on the Pontianak wall clock; a naive datetime is taken as Pontianak time."""
    if value.tzinfo is not None:
        value = value.astimezone(PONTIANAK).replace(tzinfo=None)
    midnight = datetime.combine(value.date(), time())
    return value.toordinal() * DAY + int((value - midnight).total_seconds())


@lru_cache(maxsize=None)
def month_end(day: int, months_ahead: int = 0) -> int:
    """Last day of the month `months_ahead` months after the month of `day`."""
    d = date.fromordinal(day)
    following = d.year * 12 + d.month + months_ahead  # zero-based index of the next month
    year, month0 = divmod(following, 12)
    return date(year, month0 + 1, 1).toordinal() - 1


@lru_cache(maxsize=None)
def month_start(day: int) -> int:
    return date.fromordinal(day).replace(day=1).toordinal()


def month_of(day: int) -> int:
    return date.fromordinal(day).month


def year_of(day: int) -> int:
    return date.fromordinal(day).year


def year_start(year: int) -> int:
    return date(year, 1, 1).toordinal()


def year_end(year: int) -> int:
    return date(year, 12, 31).toordinal()


def day_in(year: int, month: int, dom: int) -> int:
    return date(year, month, dom).toordinal()
