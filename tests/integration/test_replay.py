"""`ucj replay` rebuilds every count from the events topic and ends with identical counts."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests.integration.conftest import FIXED_NOW
from tests.integration.streams import exported_active, messy_stream, region_gauge, send_raw, true_counts, wait_for_stage
from tests.integration.test_failures import region_codes, wait_exact
from tests.tools import child_env, free_port

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat(FIXED_NOW)


def test_replay_ends_with_identical_counts(kafka_bootstrap, registry_url, start_worker, tmp_path):
    records, keyless = messy_stream(participants=3_000, seed=17, now=NOW)
    expected, codes = true_counts(records, NOW.date()), region_codes(registry_url)
    worker = start_worker(store="rocksdb")
    worker.wait_ready()
    send_raw(kafka_bootstrap, records, keyless)
    wait_exact([worker], expected, codes)
    before = exported_active(worker.metrics())
    # the daily history behind the pace is derived from participant state: a replay rebuilds it
    pace_before = region_gauge(wait_for_stage([worker], expected), "ucj_pace_per_day")
    assert pace_before["61"] != 0
    worker.stop()

    env = replay_env(kafka_bootstrap, registry_url, tmp_path)
    state_dir = worker.command[worker.command.index("--state-dir") + 1]
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "replay", "--yes", "--state-dir", state_dir],
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    out = result.stdout.decode()
    assert f"61      Kalimantan Barat             {int(expected['61']):>9,} active" in out
    assert "deleted internal topics" in result.stderr.decode()
    assert f"deleted local state {state_dir}" in result.stderr.decode()

    worker.start()
    worker.wait_ready()
    wait_exact([worker], expected, codes)
    assert exported_active(worker.metrics()) == before
    assert region_gauge(wait_for_stage([worker], expected), "ucj_pace_per_day") == pace_before


def test_replay_refuses_while_a_worker_runs(kafka_bootstrap, registry_url, start_worker, tmp_path):
    # a state directory that replay would delete if it went ahead: it must be left alone
    kept = tmp_path / "replay" / "worker-6066"
    kept.mkdir(parents=True)
    worker = start_worker()
    worker.wait_ready()
    env = replay_env(kafka_bootstrap, registry_url, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "replay", "--yes"], env=env, capture_output=True, timeout=120
    )
    assert result.returncode == 1
    assert b"stop every `ucj worker` first" in result.stderr
    assert kept.is_dir()


def replay_env(bootstrap: str, registry_url: str, tmp_path: Path) -> dict[str, str]:
    """`ucj replay`'s own data dir and port: were its checks to fail, it deletes UCJ_DATA_DIR/worker-*
    and runs a worker on UCJ_WEB_PORT, which by default are the developer's ~/.local/state/ucj and 6066."""
    return child_env(
        UCJ_KAFKA_BOOTSTRAP=bootstrap,
        UCJ_DATABASE_URL=registry_url,
        UCJ_CLOCK=FIXED_NOW,
        UCJ_DATA_DIR=str(tmp_path / "replay"),
        UCJ_WEB_PORT=str(free_port()),
    )
