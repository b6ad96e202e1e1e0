"""A small PNG of coverage against plan from an alert's history, sized for phones."""
from __future__ import annotations

import io
import threading
from datetime import date

from streams.domain.alerts import HistoryPoint

WIDTH, HEIGHT, DPI = 640, 360, 100
_LOCK = threading.Lock()  # matplotlib does not promise thread safety; delivery threads draw one at a time
_LABELS = {
    "id": {"coverage": "Cakupan", "planned": "Rencana", "title": "{name}: cakupan dibanding rencana"},
    "en": {"coverage": "Coverage", "planned": "Plan", "title": "{name}: coverage against plan"},
}


def coverage_chart(history: tuple[HistoryPoint, ...], region_name: str, language: str = "id") -> bytes | None:
    """PNG bytes (WIDTH x HEIGHT), or None when the history has no coverage or plan to draw."""
    points = [p for p in history if p.coverage is not None or p.planned is not None]
    if not points:
        return None
    with _LOCK:
        return _draw(points, region_name, language)


def _draw(points: list[HistoryPoint], region_name: str, language: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display; safe in threads and headless servers
    from matplotlib.dates import AutoDateLocator, DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    labels = _LABELS.get(language, _LABELS["en"])
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)  # not pyplot: no global state
    axes = figure.add_subplot()
    _line(axes, points, "planned", labels["planned"], color="#888888", linestyle="--")
    _line(axes, points, "coverage", labels["coverage"], color="#c0392b", linewidth=2)
    decimal = "," if language == "id" else "."
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y * 100:.1f}%".replace(".", decimal)))
    axes.set_title(labels["title"].format(name=region_name), fontsize=11)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best", fontsize=9)
    axes.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=7))
    axes.xaxis.set_major_formatter(DateFormatter("%d/%m/%y"))  # numeric: the same in both languages
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _line(axes, points: list[HistoryPoint], field: str, label: str, **style) -> None:
    days: list[date] = [p.day for p in points if getattr(p, field) is not None]
    values = [getattr(p, field) for p in points if getattr(p, field) is not None]
    if values:
        axes.plot(days, values, label=label, **style)
