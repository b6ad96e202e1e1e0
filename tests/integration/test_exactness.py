"""Two workers SIGKILLed at random moments, restarted without waiting for them, on a stream far
larger than one fetch slice: every participant's stored state equals the independent count's, and
`ucj verify` finds nothing, whatever the seed (issue 20)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from datetime import datetime

import pytest

from streams.broker.topics import PARTICIPANT_CHANGELOG, PARTICIPANT_EVENTS, REKEYED_EVENTS, WORKER_APP_ID
from streams.codec import decode_summary
from streams.domain.fold import contribution_on
from tests.integration.conftest import FIXED_NOW
from tests.integration.offsets import committed_to_end, read_to_end
from tests.integration.oracle import active_participants
from tests.integration.streams import counter_total, messy_stream, send_raw, true_counts
from tests.integration.test_failures import region_codes, wait_exact
from tests.integration.waiting import wait_until
from tests.tools import child_env

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat(FIXED_NOW)
PARTS = 4


@pytest.mark.parametrize("seed", [101, 102, 103])
def test_two_workers_killed_at_random_moments_end_exact_for_every_participant(
    kafka_bootstrap, registry_url, start_worker, seed
):
    records, keyless = messy_stream(participants=8_000, seed=seed, now=NOW)
    assert len(records) > 10 * 2_000  # far more than one slice of a fetch
    rng = random.Random(seed)
    workers = [start_worker(store="rocksdb"), start_worker(store="rocksdb")]
    for worker in workers:
        worker.wait_ready()
    size = len(records) // PARTS + 1
    parts = [records[i * size : (i + 1) * size] for i in range(PARTS)]
    for part in parts[:-1]:
        send_raw(kafka_bootstrap, part, keyless)
        alive = [w for w in workers if _counting(w)]
        if alive:  # killed while it works: at a random moment of the part, a commit included
            wait_until(
                lambda alive=alive: any(counter_total(w.metrics(), "ucj_events") > 0 for w in alive),
                "events processed",
                processes=alive,
            )
        time.sleep(rng.uniform(0.0, 1.5))
        victim = rng.choice(workers)
        victim.kill()
        time.sleep(rng.uniform(0.5, 2.0))
        victim.start()  # not waited for: the next kill may find it recovering or rejoining
    send_raw(kafka_bootstrap, parts[-1], keyless)
    for worker in workers:
        worker.wait_ready(timeout=300)

    wait_exact(workers, true_counts(records, NOW.date()), region_codes(registry_url))
    wait_until(
        lambda: (
            committed_to_end(kafka_bootstrap, WORKER_APP_ID, PARTICIPANT_EVENTS)
            and committed_to_end(kafka_bootstrap, WORKER_APP_ID, REKEYED_EVENTS)
        ),
        "the workers' offsets committed to the end of both counted topics",
        timeout=600,
        processes=workers,
    )
    # per participant, from the changelog, against the independent count: a miss and an extra cannot cancel out
    stored = _active_in_changelog(kafka_bootstrap)
    expected = active_participants([json.loads(r.value) for r in records if r.valid], NOW.date())
    assert stored == expected, (
        f"{len(expected.keys() - stored.keys())} missing, {len(stored.keys() - expected.keys())} extra, "
        + str(sorted((set(stored.items()) ^ set(expected.items())))[:5])
    )
    verified = _verify(kafka_bootstrap, registry_url)
    assert verified["exact"] and verified["uncommitted_events"] == 0, verified["differences"][:5]


def _counting(worker) -> bool:
    try:
        return bool(worker.status()["partitions"])
    except OSError:
        return False


def _active_in_changelog(kafka) -> dict[str, str]:
    """participant -> region of every participant its latest changelog record counts active on the day."""
    latest: dict[str, bytes] = {}
    for record in read_to_end(kafka, PARTICIPANT_CHANGELOG):
        latest[record.key.decode()] = record.value
    active = {}
    for participant, value in latest.items():
        contribution = contribution_on(decode_summary(value)[1].coverage, NOW.date())
        if contribution is not None:
            active[participant] = contribution.region_code
    return active


def _verify(kafka, registry_url) -> dict:
    env = child_env(UCJ_KAFKA_BOOTSTRAP=kafka, UCJ_DATABASE_URL=registry_url, UCJ_CLOCK=FIXED_NOW)
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "verify", "--json"], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["participants"] > 0 and len(report["read_up_to"]) == 3 * 8  # events, re-keyed, changelog
    return report
