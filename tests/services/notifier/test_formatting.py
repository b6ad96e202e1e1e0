from datetime import date

import pytest

from services.notifier.formatting import long_date, number, percent, points, rupiah


@pytest.mark.parametrize(
    "value, language, decimals, expected",
    [
        (1234567, "id", 0, "1.234.567"),
        (1234567, "en", 0, "1,234,567"),
        (1234.56, "id", 1, "1.234,6"),
        (1234.56, "en", 1, "1,234.6"),
        (-3.25, "id", 1, "-3,2"),  # round half to even, like Python
        (-0.04, "id", 1, "0,0"),  # no "-0,0"
        (0, "id", 0, "0"),
    ],
)
def test_number(value, language, decimals, expected):
    assert number(value, language, decimals) == expected


def test_rupiah_is_written_the_indonesian_way():
    assert rupiah(10_080_000) == "Rp 10.080.000"
    assert rupiah(16_800) == "Rp 16.800"
    assert rupiah(999) == "Rp 999"
    assert rupiah(1_234_567_890) == "Rp 1.234.567.890"


def test_percent_and_points():
    assert percent(0.3539, "id") == "35,4%"
    assert percent(0.5956, "en") == "59.6%"
    assert points(3.25, "id") == "3,2 poin persentase"
    assert points(12.0, "en") == "12.0 percentage points"


def test_long_date():
    assert long_date(date(2025, 12, 31), "id") == "31 Desember 2025"
    assert long_date(date(2026, 8, 1), "id") == "1 Agustus 2026"
    assert long_date(date(2026, 5, 3), "en") == "3 May 2026"
