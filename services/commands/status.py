"""`ucj status`: the coverage table per regency, from one or more running workers."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from services.common.config import Settings, environment_help
from services.worker_client import StatusRow, WorkerUnavailable, collect_status


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "status",
        help="print coverage against plan per regency from running workers",
        description=(
            "Ask running workers for their counts (GET /status) and print, per regency and for the\n"
            "province: active participants, eligible workforce, coverage %, planned %, gap in\n"
            "percentage points and status. With several workers, give each one's --url: their\n"
            "counts are added up (each worker counts only its own partitions)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help("UCJ_WEB_PORT"),
    )
    parser.add_argument(
        "--url", action="append", help="worker base URL, repeatable (default: http://127.0.0.1:UCJ_WEB_PORT)"
    )
    parser.add_argument("--watch", type=float, metavar="SECONDS", help="refresh every SECONDS until Ctrl-C")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def run(args) -> int:
    urls = args.url or [f"http://127.0.0.1:{Settings.from_env().web_port}"]
    while True:
        try:
            rows, day = collect_status(urls)
        except WorkerUnavailable as error:
            print(f"ucj status: {error}", file=sys.stderr)
            if not args.watch:
                return 1
            rows, day = None, None
        if args.watch:
            sys.stdout.write("\x1b[H\x1b[2J")  # clear the screen between refreshes
        if rows is not None and day is not None:
            print(json.dumps([asdict(r) for r in rows], indent=1) if args.json else render(rows, day, urls))
        if not args.watch:
            return 0
        try:
            time.sleep(args.watch)
        except KeyboardInterrupt:
            return 0


def _pct(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:6.2f}"


def render(rows: list[StatusRow], day: str, urls: list[str]) -> str:
    header = (
        f"{'region':<7} {'name':<26} {'active':>9} {'workforce':>10} {'cover %':>8} {'plan %':>7} {'gap pp':>7} "
        f"{'gap workers':>11} {'pace/day':>9} {'ETA':>10}  status"
    )
    lines = [
        f"UCJ coverage, Kalimantan Barat, {day} (Asia/Pontianak), from {', '.join(urls)}",
        "",
        header,
        "-" * len(header),
    ]
    for row in rows:
        f, outlook = row.figures, row.outlook or {}
        gap_pp = "-" if f.gap_pp is None else f"{f.gap_pp:7.2f}"
        gap_workers = "-" if f.gap_workers is None else f"{f.gap_workers:,}"
        workforce = "-" if f.workforce is None else f"{f.workforce:,}"
        pace = "-" if outlook.get("pace_per_day") is None else f"{outlook['pace_per_day']:+.1f}"
        eta = outlook.get("eta") or ("never" if outlook else "-")
        lines.append(
            f"{f.region:<7} {row.name[:26]:<26} {f.active:>9,} {workforce:>10} {_pct(f.coverage):>8} {_pct(f.planned):>7} "
            f"{gap_pp:>7} {gap_workers:>11} {pace:>9} {eta:>10}  {f.status or '-'}"
        )
    if not any(row.outlook for row in rows):
        lines += ["", "(pace, ETA and status appear once the region stage has heard from every partition)"]
    return "\n".join(lines)
