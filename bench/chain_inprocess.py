"""In-process cost of the worker's chain (streams/batch.py process_batch) on the simulator's stream.

    .venv/bin/python bench/chain_inprocess.py [PARTICIPANTS [EVENTS]]   # default 30000 131000

No Kafka and no Faust: the records are cut into fetch-sized batches as the worker receives them,
the store is a WriteBehindStore over a dict, flushed past 5,000 pending participants. Best of
five runs in CPU time, with the collector frozen and off as in the worker (streams/worker/garbage.py).
Run it once compiled and once after `python streams/native.py clean` to compare the two.
"""

from __future__ import annotations

import gc
import sys
import time
from datetime import date, datetime
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import NOW  # noqa: E402
from services.dev.simulation import generate_events  # noqa: E402
from services.registry.seed import seed_regions  # noqa: E402
from streams import native  # noqa: E402
from streams.batch import Record, process_batch  # noqa: E402
from streams.broker.topics import PARTICIPANT_EVENTS  # noqa: E402
from streams.clock import Clock  # noqa: E402
from streams.domain.regions import RegionTree  # noqa: E402
from streams.partitioning import partition_of  # noqa: E402
from streams.processing import CoverageProcessor  # noqa: E402
from streams.write_behind import WriteBehindStore  # noqa: E402

PARTITIONS, PER_PARTITION = 8, 250  # a fetch: up to 250 records of each partition


def batches(participants: int, limit: int) -> list[list[Record]]:
    now = datetime.fromisoformat(NOW)
    stream = islice(
        generate_events(participants=participants, seed=2024, start=date(2024, 1, 1), end=now.date(), now=now), limit
    )
    by_partition: dict[int, list[Record]] = {}
    for offset, r in enumerate(stream):
        partition = partition_of(r.key.decode(), PARTITIONS)
        by_partition.setdefault(partition, []).append(
            Record(PARTICIPANT_EVENTS, partition, offset, 0.0, r.key, r.value)
        )
    fetches, start = [], 0
    while any(len(records) > start for records in by_partition.values()):
        fetches.append([r for records in by_partition.values() for r in records[start : start + PER_PARTITION]])
        start += PER_PARTITION
    return fetches


def run(fetches: list[list[Record]], tree: RegionTree) -> float:
    backing: dict[str, bytes] = {}
    store = WriteBehindStore(backing)
    processor = CoverageProcessor(tree, store, Clock.parse(NOW))
    started = time.process_time()
    for fetch in fetches:
        process_batch(processor, fetch, PARTICIPANT_EVENTS, PARTITIONS)
        if len(store) > 5000:
            store.flush(lambda partition, values: backing.update(values))
    return time.process_time() - started


def main() -> None:
    participants = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 131_000
    fetches = batches(participants, limit)
    events = sum(map(len, fetches))
    tree = RegionTree.from_regions(seed_regions())
    gc.collect()
    gc.freeze()
    gc.disable()
    best = min(run(fetches, tree) for _ in range(5))
    print(
        f"hot path {native.status()}: {events:,} events, {events / best:,.0f} events/s, {best / events * 1e6:.1f} µs per event"
    )


if __name__ == "__main__":
    main()
