"""Benchmark of parse_event in process: µs per event, before msgspec and now, in one run.

    .venv/bin/python bench/validation_inprocess.py                  # 200,000 events, about 90 seconds
    .venv/bin/python bench/validation_inprocess.py --events 50000 --rounds 3

"Before" is the frozen copy of the validation before msgspec (tests/streams/domain/validation_oracle.py),
"now" is streams.domain.validation. Both parse the same simulated events (the stream bench/pipeline.py
produces, its deliberate faults included) against the seeded region tree, with the clock fixed. They
take turns, round after round, and each one's best round counts; the time is this process's CPU
time, so that other work on a busy machine weighs on both alike and little on either. The stdlib's
and msgspec's decode alone are measured the same way, as the floor of each.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import date, datetime
from itertools import islice
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the repository's packages, the oracle in tests/

from services.dev.simulation import generate_events  # noqa: E402
from services.registry.seed import seed_regions  # noqa: E402
from streams.domain import validation  # noqa: E402
from streams.domain.events import ParticipantEvent  # noqa: E402
from streams.domain.plain_event import plain_event  # noqa: E402
from streams.domain.regions import RegionTree  # noqa: E402
from tests.streams.domain import validation_oracle  # noqa: E402

NOW = datetime.fromisoformat("2026-06-30T12:00:00+07:00")  # bench/pipeline.py's clock


def simulated(participants: int, limit: int) -> list[bytes]:
    records = generate_events(participants=participants, seed=2024, start=date(2024, 1, 1), end=NOW.date(), now=NOW)
    return [record.value for record in islice(records, limit)]


def outcome(result) -> tuple:
    return ("accepted", result) if isinstance(result, ParticipantEvent) else (result.reason, result.detail)


def microseconds(run, values: list[bytes]) -> float:
    """µs per event of one run of `run` over `values`."""
    started = time.process_time()
    run(values)
    return (time.process_time() - started) / len(values) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--participants", type=int, default=60_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    values = simulated(args.participants, args.events)
    regions = RegionTree.from_regions(seed_regions())
    before, now = validation_oracle.parse_event, validation.parse_event
    results = [(outcome(before(v, regions, NOW)), outcome(now(v, regions, NOW))) for v in values]
    disagreements = sum(old != new for old, new in results)
    reasons = Counter(new[0] for _, new in results)
    print(
        f"{len(values):,} simulated events, {reasons['accepted']:,} accepted; rejected: "
        + ", ".join(f"{reason} {count}" for reason, count in reasons.most_common() if reason != "accepted")
    )
    print(f"disagreements between before and now (reason and detail, or the event): {disagreements}")
    fast = sum(plain_event(v, regions, NOW) is not None for v in values)
    print(f"accepted by the fast path (streams.domain.plain_event): {fast:,} of {reasons['accepted']:,}")

    runs = {  # each result dropped at once, as the worker does once a batch is folded
        "before (stdlib json)": lambda vs: _each(lambda v: before(v, regions, NOW), vs),
        "now (msgspec)": lambda vs: _each(lambda v: now(v, regions, NOW), vs),
        "  json.loads alone": lambda vs: _each(lambda v: _loads_or_none(json.loads, v), vs),
        "  msgspec decode alone": lambda vs: _each(lambda v: _loads_or_none(msgspec.json.decode, v), vs),
    }
    rounds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):  # in turns, so that a slow moment of the machine hits every run
        for name, run in runs.items():
            rounds[name].append(microseconds(run, values))
    best = {name: min(times) for name, times in rounds.items()}
    for name, figure in best.items():
        print(
            f"{name:<24} {figure:6.2f} µs/event (best of {args.rounds}; rounds {', '.join(f'{t:.2f}' for t in rounds[name])})"
        )
    ratio = best["before (stdlib json)"] / best["now (msgspec)"]
    print(f"parse_event before/now: {ratio:.2f}x faster")


def _each(function, values: list[bytes]) -> None:
    for value in values:
        function(value)


def _loads_or_none(loads, value: bytes):
    try:
        return loads(value)
    except ValueError:  # the stream's deliberate not_json faults; msgspec's DecodeError is one too
        return None


if __name__ == "__main__":
    main()
