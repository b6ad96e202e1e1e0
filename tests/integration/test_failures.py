"""Exact counts when workers are killed with SIGKILL, when a second worker comes and goes, and when the broker restarts."""

from __future__ import annotations

import random
import time
from datetime import datetime

import pytest

from services.dev.kafka_local import ensure_broker, stop_broker
from services.registry import Registry
from tests.integration.conftest import FIXED_NOW
from tests.integration.streams import (
    counter_total,
    differences,
    exported_active,
    messy_stream,
    send_raw,
    true_counts,
    wait_for_stage,
)
from tests.integration.waiting import wait_until

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat(FIXED_NOW)
LEVELS = ("province", "regency", "district")


def region_codes(registry_url):
    tree = Registry(registry_url).region_tree()
    return [c for level in LEVELS for c in tree.codes_at(level)]


def wait_exact(workers, expected, codes) -> None:
    """Poll every endpoint until the summed counts equal the true ones for every region."""
    wrong: dict = {}

    def exact() -> bool:
        wrong.clear()
        wrong.update(differences(exported_active(*(w.metrics() for w in workers)), expected, codes))
        return not wrong

    # up to 100,000 events, replayed after kills, on a shared machine (a loaded one took over 12 minutes):
    # the deadline only bounds a hang
    wait_until(
        exact,
        lambda: f"exact counts; (exported, true) differ, e.g. {dict(list(wrong.items())[:5])}",
        timeout=1200,
        every=1,
        processes=workers,
    )


def wait_some_progress(worker, minimum: int) -> None:
    wait_until(
        lambda: counter_total(worker.metrics(), "ucj_events") >= minimum,
        f"{minimum} events processed",
        every=0.2,
        processes=[worker],
    )


def test_one_worker_killed_three_times_ends_exact(kafka_bootstrap, registry_url, start_worker):
    records, keyless = messy_stream(participants=23_000, seed=11, now=NOW)
    assert len(records) >= 100_000
    expected, codes = true_counts(records, NOW.date()), region_codes(registry_url)
    rng = random.Random(3)

    worker = start_worker(store="rocksdb")
    worker.wait_ready()
    # a quarter of the stream before each kill: a worker fast enough to finish what it was sent
    # before a kill would otherwise have nothing left to show progress on after its restart
    quarter = len(records) // 4
    chunks = [
        records[:quarter],
        records[quarter : 2 * quarter],
        records[2 * quarter : 3 * quarter],
        records[3 * quarter :],
    ]
    for chunk in chunks[:3]:  # killed at a random point while it works, restarted each time
        send_raw(kafka_bootstrap, chunk, keyless)
        wait_some_progress(worker, minimum=1)
        time.sleep(rng.uniform(0.0, 1.0))
        worker.kill()
        worker.start()
        worker.wait_ready()
    send_raw(kafka_bootstrap, chunks[3], keyless)
    wait_exact([worker], expected, codes)


def test_broker_restart_keeps_counts_exact(kafka_bootstrap, registry_url, start_worker, tmp_path_factory):
    records, keyless = messy_stream(participants=4_000, seed=5, now=NOW)
    expected, codes = true_counts(records, NOW.date()), region_codes(registry_url)
    worker = start_worker(store="rocksdb")
    worker.wait_ready()
    half = len(records) // 2
    send_raw(kafka_bootstrap, records[:half], keyless)
    port = int(kafka_bootstrap.rsplit(":", 1)[1])
    data_dir = _broker_data_dir(port)
    wait_some_progress(worker, minimum=1)  # the broker goes while the worker works
    stop_broker(port=port, data_dir=data_dir)  # returns once the broker has exited: its ports are free again
    ensure_broker(port=port, data_dir=data_dir, timeout=120)
    send_raw(kafka_bootstrap, records[half:], keyless)
    wait_exact([worker], expected, codes)


def test_a_worker_started_while_the_broker_is_down_waits_for_it_then_counts_exactly(
    kafka_bootstrap, registry_url, start_worker
):
    records, keyless = messy_stream(participants=500, seed=17, now=NOW)
    expected, codes = true_counts(records, NOW.date()), region_codes(registry_url)
    port = int(kafka_bootstrap.rsplit(":", 1)[1])
    data_dir = _broker_data_dir(port)
    stop_broker(port=port, data_dir=data_dir)
    try:
        worker = start_worker(store="rocksdb", options=("--kafka-wait", "10m"))
        wait_until(
            lambda: "is not ready" in worker.log_path.read_text(errors="replace"),
            "the worker saying it waits for Kafka",
            processes=[worker],
        )
    finally:
        ensure_broker(port=port, data_dir=data_dir, timeout=120)
    worker.wait_ready(timeout=300)
    send_raw(kafka_bootstrap, records, keyless)
    wait_exact([worker], expected, codes)


def _broker_data_dir(port):
    from tests.integration import conftest

    return conftest.BROKER_DATA_DIRS[port]


def test_two_workers_one_killed_and_restarted_sum_exact(kafka_bootstrap, registry_url, start_worker):
    records, keyless = messy_stream(participants=12_000, seed=13, now=NOW)
    expected, codes = true_counts(records, NOW.date()), region_codes(registry_url)
    first, second = start_worker(store="rocksdb"), start_worker(store="rocksdb")
    first.wait_ready()
    second.wait_ready()
    third = len(records) // 3
    send_raw(kafka_bootstrap, records[:third], keyless)
    wait_some_progress(second, minimum=1)
    second.kill()
    send_raw(kafka_bootstrap, records[third : 2 * third], keyless)
    # the killed worker's session expires (10 s) and the first takes its partitions over: it alone counts everything sent
    wait_exact([first], true_counts(records[: 2 * third], NOW.date()), codes)
    second.start()
    second.wait_ready()
    send_raw(kafka_bootstrap, records[2 * third :], keyless)
    wait_exact([first, second], expected, codes)
    # both share the work, and neither counts what the other owns
    owned = [set(w.status()["partitions"]) for w in (first, second)]
    assert owned[0] and owned[1] and not owned[0] & owned[1] and owned[0] | owned[1] == set(range(8))
    # one of them runs the region stage, whose global ratios come from both workers' partials
    wait_for_stage([first, second], expected)
