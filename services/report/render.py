"""A ReportData as HTML (Jinja2, from templates/report.html) and as PDF (WeasyPrint).

Every figure is written here, in the report's language: 35,39% and 1.234 pekerja in `id`,
35.39% and 1,234 workers in `en`.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

from services.notifier.chart import coverage_chart
from services.notifier.formatting import LANGUAGES, MONTHS, long_date, number, percent, points, rupiah
from services.notifier.messages import STATUS_WORDS
from services.report.figures import ReportData
from services.report.texts import TEXT
from streams.domain.trajectory import ASSISTANCE_IDR_PER_WORKER_MONTH

PONTIANAK = timezone(timedelta(hours=7), "WIB")
CHART_SCALE = 2  # the alert chart at twice its resolution: sharp in print


def signed(value: float, language: str, decimals: int = 0) -> str:
    """+1.234 / -56 / 0: a change, with its sign."""
    text = number(value, language, decimals)
    return "+" + text if value > 0 and text.strip("0.,") else text


def pct(ratio: float | None, language: str) -> str:
    return "-" if ratio is None else percent(ratio, language, 2)


def month_name(data: ReportData, language: str) -> str:
    return f"{MONTHS[language][data.period.month.month - 1]} {data.period.month.year}"


def view(data: ReportData, language: str, urls: list[str], made_at: datetime) -> dict:
    """Everything the template shows, as text."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose from {LANGUAGES}")
    t, words, f = TEXT[language], STATUS_WORDS[language], data.figures
    na = t["not_available"]

    def n(value) -> str:
        return na if value is None else number(value, language)

    headline = [
        (
            t["coverage"],
            t["coverage_value"].format(coverage=pct(f.coverage, language), planned=pct(f.planned, language)),
        )
    ]
    if f.workforce is not None:
        headline.append((t["active"], t["active_value"].format(active=n(f.active), workforce=n(f.workforce))))
    if f.gap is not None:
        label = t["gap"] if f.gap > 0 else t["ahead"]
        headline.append(
            (
                label,
                t["gap_value"].format(pp=points(abs(f.gap_pp or 0), language, 2), workers=n(abs(f.gap_workers or 0))),
            )
        )
    headline.append((t["status"], words.get(f.status, f.status) if f.status else na))
    change_pp = (
        "-"
        if f.coverage is None or data.previous.coverage is None
        else signed((f.coverage - data.previous.coverage) * 100, language, 2) + " " + t["points_short"]
    )
    headline.append(
        (
            t["change"],
            t["change_value"].format(
                active=signed(data.change, language), pp=change_pp, previous=long_date(data.period.previous, language)
            ),
        )
    )

    chart = coverage_chart(
        data.history,
        data.name,
        language,
        target=data.target and (str(data.target[0]), data.target[1]),
        scale=CHART_SCALE,
    )
    return dict(
        language=language,
        t=t,
        title=t["title"].format(name=data.name),
        subtitle=t["subtitle"].format(month=month_name(data, language)),
        figures_day=t["figures_day_today" if data.period.current else "figures_day_end"].format(
            day=long_date(data.period.day, language)
        ),
        headline=headline,
        status=f.status or "none",
        chart=None if chart is None else base64.b64encode(chart).decode(),
        children_title=t["children_title"].get(data.children_level, t["region"]),
        children=[_child_row(row, data, language) for row in data.children],
        footnote=_children_footnote(data, language),
        outlook=_outlook_rows(data, language),
        cliff=_cliff(data, language),
        notes=_notes(data, language),
        generated=t["generated"].format(
            at=made_at.astimezone(PONTIANAK).strftime("%Y-%m-%d %H:%M WIB"), urls=", ".join(urls)
        ),
    )


def _child_row(row, data: ReportData, language: str) -> dict:
    f = row.figures
    return dict(
        code=row.code,
        name=row.name,
        active=number(row.active, language),
        change=signed(row.change, language),
        coverage=pct(f.coverage, language),
        gap="-" if f.gap_pp is None else f"{number(f.gap_pp, language, 2)} / {number(f.gap_workers, language)}",
        status=STATUS_WORDS[language].get(f.status, "-") if f.status else "-",
        status_class=f.status or "none",
    )


def _children_footnote(data: ReportData, language: str) -> str:
    t = TEXT[language]
    if data.children_without_workforce:
        return t["footnote_no_workforce"].format(n=number(data.children_without_workforce, language))
    return t["footnote_sorted"]


def _outlook_rows(data: ReportData, language: str) -> list[tuple[str, str]]:
    t, o, f = TEXT[language], data.outlook, data.figures
    na = t["not_available"]
    rows = [
        (
            t["pace"],
            na
            if o.pace_per_day is None
            else t["pace_value"].format(
                pace=signed(o.pace_per_day, language, 1), day=long_date(data.period.day, language)
            ),
        )
    ]
    if o.target_date is not None and o.target_ratio is not None:
        label = t["eta"].format(target=pct(o.target_ratio, language), target_date=long_date(o.target_date, language))
        rows.append((label, t["eta_none"] if o.eta is None else t["eta_value"].format(eta=long_date(o.eta, language))))
    rows.append(
        (
            t["required"],
            na
            if o.required_pace_per_day is None
            else t["required_value"].format(pace=number(o.required_pace_per_day, language, 1)),
        )
    )
    rows.append(
        (
            t["needed"],
            na
            if o.enrollments_needed_per_month is None
            else t["needed_value"].format(n=number(o.enrollments_needed_per_month, language)),
        )
    )
    if o.budget_idr is None:
        budget = na
    elif o.budget_idr <= 0:
        budget = t["budget_none"]
    else:
        budget = t["budget_value"].format(
            budget=rupiah(o.budget_idr),
            workers=number(f.gap_workers or 0, language),
            rate=rupiah(ASSISTANCE_IDR_PER_WORKER_MONTH),
            months=number(o.months_left or 0, language, 1),
        )
    rows.append((t["budget"], budget))
    return rows


def _cliff(data: ReportData, language: str) -> dict:
    t, cliff = TEXT[language], data.cliff
    if cliff is None:
        return dict(summary=t["cliff_unknown"], as_of=None, payers=[])
    as_of = t["cliff_as_of"].format(day=long_date(cliff.as_of, language)) if not data.period.current else None
    if not cliff.participants:
        return dict(summary=t["cliff_none"], as_of=as_of, payers=[])
    summary = f"{t['cliff_participants']}: {number(cliff.participants, language)}"
    return dict(
        summary=summary, as_of=as_of, payers=[(payer, number(count, language)) for payer, count in cliff.by_payer]
    )


def _notes(data: ReportData, language: str) -> list[tuple[str, str]]:
    t, w, p = TEXT[language], data.workforce, data.pipeline
    na = t["not_available"]
    if w.workforce is None:
        workforce = na
    else:
        years = ", ".join(map(str, w.years))
        workforce = t["workforce_value"].format(workforce=number(w.workforce, language), years=years)
        if data.period.day.year not in w.years:
            workforce += t["workforce_older"].format(year=data.period.day.year)
        workforce += "; " + t["workforce_estimate" if w.estimate else "workforce_loaded"]
    if p.freshness is None:
        freshness = na
    elif not p.freshness:
        freshness = t["freshness_none"]
    else:
        freshness = "; ".join(f"{source}: {at.astimezone(PONTIANAK):%Y-%m-%d %H:%M} WIB" for source, at in p.freshness)
    dead = na if p.dead_letters is None else t["dead_letters_value"].format(n=number(p.dead_letters, language))
    return [(t["workforce"], workforce), (t["freshness"], freshness), (t["dead_letters"], dead)]


def to_html(data: ReportData, language: str, urls: list[str], made_at: datetime) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("services.report", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a missing field fails loudly rather than print nothing
    )
    return environment.get_template("report.html").render(**view(data, language, urls, made_at))


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
