"""`ucj history`: exact coverage of a region day by day, from the running workers' event-sourced history."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import asdict
from datetime import date, timedelta

from services.common.config import Settings, environment_help
from services.worker_client import History, WorkerUnavailable, collect_history
from streams.domain.trajectory import RegionFigures

STEPS = ("day", "week", "month")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "history",
        help="print a region's coverage against plan day by day, exact, from running workers",
        description=(
            "Ask running workers for a region's daily history (GET /history) and print, per day (or\n"
            "the last day of each week or month): active participants, eligible workforce, coverage,\n"
            "planned coverage and the gap. The history is kept from the events themselves, so a past\n"
            "day is exact and is restated when a late event changes it (a backdated lapse, say).\n"
            "With several workers give each one's --url: every partition must be owned by exactly one."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help("UCJ_WEB_PORT"),
    )
    parser.add_argument(
        "--region", required=True, help="region code: the province (61), a regency (61.01) or a district"
    )
    parser.add_argument(
        "--from",
        dest="first",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="first day (default: 90 days before --to)",
    )
    parser.add_argument(
        "--to",
        dest="last",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="last day (default: the workers' today)",
    )
    parser.add_argument(
        "--step",
        choices=STEPS,
        default="day",
        help="a row per day, or for the last day of each week or month (default: day)",
    )
    parser.add_argument(
        "--url", action="append", help="worker base URL, repeatable (default: http://127.0.0.1:UCJ_WEB_PORT)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="print CSV")
    output.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def run(args) -> int:
    urls = args.url or [f"http://127.0.0.1:{Settings.from_env().web_port}"]
    try:
        history = collect_history(urls, args.region, args.first, args.last)
    except WorkerUnavailable as error:
        print(f"ucj history: {error}", file=sys.stderr)
        return 1
    picked = at_step(history, args.step)
    if args.json:
        print(json.dumps([dict(day=day, **asdict(row)) for day, row in picked], indent=1))
    elif args.csv:
        print(to_csv(picked), end="")
    else:
        print(render(history, picked))
    return 0


def at_step(history: History, step: str) -> list[tuple[str, RegionFigures]]:
    """Every day, or the last day of each week (Sunday) or month, and always the last day asked for."""
    picked = []
    for i, (day, row) in enumerate(zip(history.days, history.rows)):
        following = date.fromisoformat(day) + timedelta(days=1)
        period_ends = (
            step == "day"
            or (step == "week" and following.isoweekday() == 1)
            or (step == "month" and following.day == 1)
        )
        if period_ends or i == len(history.days) - 1:
            picked.append((day, row))
    return picked


def _pct(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:.2f}"


def render(history: History, picked: list[tuple[str, RegionFigures]]) -> str:
    header = f"{'day':<10} {'active':>9} {'workforce':>10} {'cover %':>8} {'plan %':>7} {'gap pp':>7} {'gap workers':>11}  status"
    lines = [f"UCJ coverage history, {history.region} {history.name}", "", header, "-" * len(header)]
    for day, f in picked:
        workforce = "-" if f.workforce is None else f"{f.workforce:,}"
        gap_pp = "-" if f.gap_pp is None else f"{f.gap_pp:.2f}"
        gap_workers = "-" if f.gap_workers is None else f"{f.gap_workers:,}"
        lines.append(
            f"{day:<10} {f.active:>9,} {workforce:>10} {_pct(f.coverage):>8} {_pct(f.planned):>7} {gap_pp:>7} {gap_workers:>11}  {f.status or '-'}"
        )
    return "\n".join(lines)


def to_csv(picked: list[tuple[str, RegionFigures]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "region", "active", "workforce", "coverage", "planned", "gap", "gap_workers", "status"])
    for day, f in picked:
        writer.writerow([day, f.region, f.active, f.workforce, f.coverage, f.planned, f.gap, f.gap_workers, f.status])
    return out.getvalue()
