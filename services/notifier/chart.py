"""A small PNG of coverage against plan from an alert's history, sized for phones.

The monthly report (services/report) draws the same chart, with the year's target as a line
and at a higher resolution for print (`target`, `scale`)."""

from __future__ import annotations

import io
import threading
from datetime import date

from streams.domain.alerts import HistoryPoint

WIDTH, HEIGHT, DPI = 640, 360, 100
_LOCK = threading.Lock()  # matplotlib does not promise thread safety; delivery threads draw one at a time
_LABELS = {
    "id": {
        "coverage": "Cakupan",
        "planned": "Rencana",
        "title": "{name}: cakupan dibanding rencana",
        "target": "Target {label}",
    },
    "en": {
        "coverage": "Coverage",
        "planned": "Plan",
        "title": "{name}: coverage against plan",
        "target": "Target {label}",
    },
}


def coverage_chart(
    history: tuple[HistoryPoint, ...],
    region_name: str,
    language: str = "id",
    target: tuple[str, float] | None = None,
    scale: int = 1,
) -> bytes | None:
    """PNG bytes (WIDTH x HEIGHT, times `scale`), or None when the history has no coverage or plan to draw.

    `target`: (label, ratio) of a target drawn as a horizontal line, e.g. ("2025", 0.5956).
    """
    points = [p for p in history if p.coverage is not None or p.planned is not None]
    if not points:
        return None
    with _LOCK:
        return _draw(points, region_name, language, target, scale)


def _draw(
    points: list[HistoryPoint], region_name: str, language: str, target: tuple[str, float] | None, scale: int
) -> bytes:
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
    if target is not None:
        label, ratio = target
        text = f"{ratio * 100:.2f}%".replace(".", decimal)
        axes.axhline(
            ratio,
            color="#2471a3",
            linestyle=":",
            linewidth=1.5,
            label=f"{labels['target'].format(label=label)}: {text}",
        )
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y * 100:.1f}%".replace(".", decimal)))
    axes.set_title(labels["title"].format(name=region_name), fontsize=11)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best", fontsize=9)
    axes.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=7))
    axes.xaxis.set_major_formatter(DateFormatter("%d/%m/%y"))  # numeric: the same in both languages
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI * scale)
    return buffer.getvalue()


def _line(axes, points: list[HistoryPoint], field: str, label: str, **style) -> None:
    days: list[date] = [p.day for p in points if getattr(p, field) is not None]
    values = [getattr(p, field) for p in points if getattr(p, field) is not None]
    if values:
        axes.plot(days, values, label=label, **style)
