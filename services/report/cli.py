"""`ucj report`: a one- to two-page monthly coverage report of a regency or the province, as PDF or HTML.

The adapter: it asks the workers (GET /status, /history, /metrics) and the registry, then hands
everything to the pure figures (figures.py) and the rendering (render.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import urllib.request
from datetime import date, datetime, timezone
from pathlib import Path

from services.common.config import Settings, environment_help
from services.report.figures import (
    REPORT_LEVELS,
    PipelineNotes,
    ReportRefused,
    build,
    children_from,
    period,
    workforce_note,
)
from services.report.metrics import pipeline_notes
from streams.domain.trajectory import ASSISTANCE_IDR_PER_WORKER_MONTH

LANGUAGES = ("id", "en")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write a monthly coverage report of a regency or the province (PDF or HTML)",
        description=(
            "Write a one- to two-page report for a monthly coordination meeting (Sekda, Bupati), in\n"
            "Bahasa Indonesia by default: coverage against plan at the month end (today, for the\n"
            "current month), the gap in points and workers, the status and the change over the month;\n"
            "a 12-month chart against the plan and the year's target; the districts (for the province,\n"
            "the regencies) worst first; the outlook (pace, ETA, required pace, enrollments and the\n"
            f"assistance budget at Rp {ASSISTANCE_IDR_PER_WORKER_MONTH:,} per worker per month); the lapse cliff by payer (as of\n"
            "today); and data notes (workforce and its year, newest event per source, dead letters).\n"
            "The figures come from running workers (exact, event-sourced history) and the registry."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help("UCJ_WEB_PORT", "UCJ_DATA_DIR", "UCJ_DATABASE_URL"),
    )
    parser.add_argument("--region", required=True, help="the province (61) or a regency (61.07)")
    parser.add_argument(
        "--month",
        required=True,
        type=_month,
        metavar="YYYY-MM",
        help="the month reported on; the current month gives today's figures",
    )
    parser.add_argument("--language", choices=LANGUAGES, default="id", help="id (Bahasa Indonesia, default) or en")
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE.pdf|FILE.html",
        help="where to write it; .html writes HTML (default: ucj-report-REGION-YYYY-MM.pdf)",
    )
    parser.add_argument(
        "--url",
        action="append",
        help="worker base URL, repeatable: give every worker's (default: http://127.0.0.1:UCJ_WEB_PORT)",
    )
    parser.set_defaults(run=run)


def _month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month as YYYY-MM, e.g. 2026-05") from None


def run(args) -> int:
    output = args.output or Path(f"ucj-report-{args.region}-{args.month:%Y-%m}.pdf")
    if output.suffix.lower() not in (".pdf", ".html"):
        print(f"ucj report: --output must end in .pdf or .html, not {output.name!r}", file=sys.stderr)
        return 1
    urls = args.url or [f"http://127.0.0.1:{Settings.from_env().web_port}"]
    try:
        html = report_html(args.region, args.month, args.language, urls)
        if output.suffix.lower() == ".pdf":
            _progress("rendering the PDF")
            for chatty in ("weasyprint", "fontTools"):  # their INFO lines say nothing a reader of the report needs
                logging.getLogger(chatty).setLevel(logging.WARNING)
            from services.report.render import to_pdf

            output.write_bytes(to_pdf(html))
        else:
            output.write_text(html, encoding="utf-8")
    except ReportRefused as error:
        print(f"ucj report: {error}", file=sys.stderr)
        return 1
    print(output)
    return 0


def report_html(region: str, month: date, language: str, urls: list[str]) -> str:
    from services.registry import Registry
    from services.registry.seed import SEED_WORKFORCE_YEARS, seed_workforce_estimates
    from services.report.render import to_html
    from services.worker_client import WorkerUnavailable, collect_status, combine_histories, history_of
    from streams.domain.trajectory import StatusThresholds, plan_of

    _progress("reading the registry")
    with Registry(Settings.from_env().database_url) as registry:
        tree = registry.region_tree()
        plans = registry.plans()
        figures_by_year = registry.workforce_figures()
    if region not in tree.regions:
        raise ReportRefused(f"region {region!r} is not in the registry (the province is 61, a regency e.g. 61.07)")
    if tree.level_of(region) not in REPORT_LEVELS:
        raise ReportRefused(f"{region} is a {tree.level_of(region)}: reports are made for the province or a regency")

    _progress(f"asking {len(urls)} worker(s) for today's status")
    try:
        rows, today_text = collect_status(urls)
    except WorkerUnavailable as error:
        raise ReportRefused(str(error)) from None
    today = date.fromisoformat(today_text)
    p = period(month, today)
    outlook_row = next((row.outlook for row in rows if row.figures.region == region), None)

    def history(code: str, first: date):
        try:
            bodies = [history_of(url, code, first, p.day) for url in urls]
            return combine_histories(bodies, urls), bodies[0]["thresholds"]
        except WorkerUnavailable as error:
            raise ReportRefused(str(error)) from None

    _progress(f"reading the history of {region} from {p.history_from} to {p.day}")
    region_history, thresholds = history(region, p.history_from)
    children = {}
    codes = sorted(tree.children_of(region))
    _progress(
        f"reading the history of {len(codes)} {'districts' if tree.level_of(region) == 'regency' else 'regencies'}"
    )
    for code in codes:
        children[code] = history(code, children_from(p))[0]

    _progress("reading the workers' metrics")
    data = build(
        region,
        tree,
        p,
        today,
        region_history,
        children,
        StatusThresholds(**thresholds),
        plan_of(region, plans, tree),
        outlook_row,
        workforce_note(
            region,
            tree,
            figures_by_year,
            p.day.year,
            region_history.rows[-1].workforce,
            seed_workforce_estimates(),
            SEED_WORKFORCE_YEARS,
        ),
        _pipeline(urls),
    )
    return to_html(data, language, urls, datetime.now(timezone.utc))


def _pipeline(urls: list[str]):
    """The data notes from every worker's /metrics; "not available" unless every worker answers (a sum of some is no total)."""
    texts = [_metrics_text(url) for url in urls]
    return (
        pipeline_notes([t for t in texts if t is not None])
        if all(t is not None for t in texts)
        else PipelineNotes(None, None)
    )


def _metrics_text(url: str) -> str | None:
    """A worker's /metrics, or None when it does not answer (its figures are then "not available")."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/metrics", timeout=10) as response:
            return response.read().decode()
    except (OSError, ValueError):
        return None


def _progress(message: str) -> None:
    print(f"ucj report: {message}", file=sys.stderr, flush=True)
