import struct
from datetime import date

from services.notifier.chart import HEIGHT, WIDTH, coverage_chart
from streams.domain.alerts import HistoryPoint
from tests.services.notifier.samples import history

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_chart_is_a_png_of_the_phone_size():
    assert (WIDTH, HEIGHT) == (640, 360)
    for language in ("id", "en"):
        data = coverage_chart(history(90), "Bengkayang", language)
        assert png_size(data) == (640, 360)
        assert data.endswith(b"IEND\xaeB`\x82")
        assert len(data) < 200_000


def test_empty_history_gives_no_chart():
    assert coverage_chart((), "Bengkayang") is None
    assert coverage_chart((HistoryPoint(day=date(2026, 6, 1), coverage=None, planned=None),), "x") is None


def test_gaps_and_a_single_day_still_draw():
    points = (
        HistoryPoint(day=date(2026, 6, 1), coverage=None, planned=0.45),
        HistoryPoint(day=date(2026, 6, 2), coverage=0.40, planned=None),
    )
    assert png_size(coverage_chart(points, "Sambas")) == (640, 360)
    assert png_size(coverage_chart(points[1:], "Sambas")) == (640, 360)
