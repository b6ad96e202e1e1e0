from datetime import date, datetime, timedelta, timezone

import pytest

from streams.clock import Clock


def test_fixed_date_is_local_midnight():
    clock = Clock.parse("2025-01-01")
    assert clock.today() == date(2025, 1, 1)
    assert clock.now() == datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=7)))


def test_today_is_taken_in_pontianak():
    assert Clock.parse("2025-01-01T18:00:00+00:00").today() == date(2025, 1, 2)


def test_offset_moves_real_time():
    ahead = Clock.parse("+30d").now() - Clock().now()
    assert timedelta(days=30) - timedelta(seconds=5) < ahead <= timedelta(days=30)


def test_bad_spec_says_what_is_expected():
    with pytest.raises(ValueError, match="offset like"):
        Clock.parse("tomorrow")


def test_file_clock_follows_its_file(tmp_path):
    path = tmp_path / "clock"
    path.write_text("2025-01-01")
    clock = Clock.parse(f"@{path}")
    assert clock.today() == date(2025, 1, 1)
    import os

    path.write_text("2025-03-01T10:00:00+07:00")
    os.utime(path, ns=(1, 10**18))  # a new mtime even within the same clock tick
    assert clock.today() == date(2025, 3, 1)


def test_file_clock_without_file_is_real_time(tmp_path):
    assert abs((Clock.parse(f"@{tmp_path / 'missing'}").now() - Clock().now()).total_seconds()) < 5
