"""In-process cost of one more in-order event by history depth: CoverageProcessor.apply_events alone.

    .venv/bin/python bench/depth_inprocess.py                          # this tree
    git worktree add /tmp/before main
    .venv/bin/python bench/depth_inprocess.py --before /tmp/before     # and the code to compare with

For each depth (1, 12 and 120 prior events), every participant has `depth` monthly self-paid
enrollments in its stored state, written by the tree's own encode_state; then each gets the next
month, one apply_events call per participant, timed in CPU time (best of --repeats), which other
processes on a shared machine disturb less than wall time. Also timed: rebuild,
the recount after a restart or at midnight, over the same states. Each tree runs in its own
subprocess within the same run, so the figures compare; printed: events/s per depth, the ratio
120/1, and with --before the ratio after/before.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPTHS = (1, 12, 120)
NOW = "2026-06-15T12:00:00+07:00"  # the new event's month is current, so every participant counts
NEW_MONTH = date(2026, 6, 1)


def measure(participants: int, repeats: int) -> dict:
    """Run inside the tree under test: imports its streams package."""
    from streams.clock import Clock
    from streams.codec import encode_state
    from streams.domain.events import PONTIANAK, ParticipantEnrolled
    from streams.domain.fold import History
    from streams.domain.regions import Region, RegionTree
    from streams.participant_store import InMemoryStore
    from streams.processing import CoverageProcessor

    tree = RegionTree.from_regions(
        [
            Region("61", None, "province", "K"),
            Region("61.07", "61", "regency", "B"),
            Region("61.07.01", "61.07", "district", "D"),
            Region("61.07.01.2001", "61.07.01", "village", "V"),
        ]
    )

    def payment(participant_id: str, month: date) -> ParticipantEnrolled:
        last_day = (month + timedelta(days=31)).replace(day=1) - timedelta(days=1)
        return ParticipantEnrolled(
            event_id=f"{participant_id}-{month.isoformat()}",
            occurred_at=datetime.combine(month, datetime.min.time(), PONTIANAK) + timedelta(hours=9),
            participant_id=participant_id,
            region_code="61.07.01.2001",
            segment="BPU",
            source="bench",
            covered_from=month,
            paid_through=last_day,
        )

    def month_before(month: date, count: int) -> date:
        index = month.year * 12 + month.month - 1 - count
        return date(index // 12, index % 12 + 1, 1)

    stores, news = {}, {}
    for depth in DEPTHS:
        ids = [f"P-{depth}-{n:06d}" for n in range(participants)]
        stores[depth] = {
            pid: encode_state(0, History(tuple(payment(pid, month_before(NEW_MONTH, k)) for k in range(depth, 0, -1))))
            for pid in ids
        }
        news[depth] = [payment(pid, NEW_MONTH) for pid in ids]
    best_apply = dict.fromkeys(DEPTHS, float("inf"))
    best_rebuild = dict.fromkeys(DEPTHS, float("inf"))
    for _ in range(repeats):  # the depths in turn, so a busy moment of the machine hits them alike
        for depth in DEPTHS:
            processor = CoverageProcessor(tree, InMemoryStore(dict(stores[depth])), Clock.parse(NOW))
            started = time.process_time()
            processor.rebuild([0])
            best_rebuild[depth] = min(best_rebuild[depth], time.process_time() - started)
            started = time.process_time()
            for event in news[depth]:
                processor.apply_events([event], 0)
            best_apply[depth] = min(best_apply[depth], time.process_time() - started)
            assert processor.counts_of(0).total() == participants
    return {
        depth: {
            "events_per_s": participants / best_apply[depth],
            "rebuild_participants_per_s": participants / best_rebuild[depth],
            "state_bytes": sum(map(len, stores[depth].values())) / participants,
        }
        for depth in DEPTHS
    }


def run_tree(tree: Path, participants: int, repeats: int) -> dict:
    command = [sys.executable, __file__, "--measure", "--participants", str(participants), "--repeats", str(repeats)]
    out = subprocess.run(
        command, env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree, check=True, capture_output=True, text=True
    )
    return {int(depth): figures for depth, figures in json.loads(out.stdout).items()}


def show(name: str, results: dict) -> None:
    print(f"{name}:")
    for depth, figures in results.items():
        print(
            f"  {depth:>3} prior: {figures['events_per_s']:>9,.0f} events/s   rebuild {figures['rebuild_participants_per_s']:>9,.0f}"
            f" participants/s   state {figures['state_bytes']:>7,.0f} bytes"
        )
    print(
        f"  events/s with {DEPTHS[-1]} prior / with {DEPTHS[0]}: {results[DEPTHS[-1]]['events_per_s'] / results[DEPTHS[0]]['events_per_s']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with (e.g. a worktree of main)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the subprocess's part
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.participants, args.repeats)))
        return
    after = run_tree(ROOT, args.participants, args.repeats)
    show(f"this tree ({ROOT})", after)
    if args.before:
        before = run_tree(args.before.resolve(), args.participants, args.repeats)
        show(f"before ({args.before})", before)
        print(
            "after / before: "
            + "   ".join(f"{d} prior {after[d]['events_per_s'] / before[d]['events_per_s']:.1f}x" for d in DEPTHS)
        )


if __name__ == "__main__":
    main()
