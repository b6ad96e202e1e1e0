"""Silent sources end to end: a real worker counts events by registered source (anything else
as `other`), learns a source added while it runs, and `ucj sources list` shows each source's
last event from the worker's /metrics."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from services.common.producer import kafka_producer
from services.registry import Registry
from streams.broker.topics import PARTICIPANT_EVENTS, ensure_topics
from tests.integration.waiting import wait_until
from tests.streams.domain.factories import wire
from tests.tools import child_env

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
# the Kafka timestamps the events are sent with: when the source sent them
SENT = [datetime(2026, 6, 29, 2, 30, tzinfo=timezone.utc), datetime(2026, 6, 29, 9, 45, tzinfo=timezone.utc)]


def send(kafka: str, events: list[tuple[dict, datetime]]) -> None:
    ensure_topics(kafka)
    producer = kafka_producer(kafka)
    for event, sent in events:
        key = event["participant_id"].encode()
        producer.send(
            PARTICIPANT_EVENTS, key=key, value=json.dumps(event).encode(), timestamp_ms=int(sent.timestamp() * 1000)
        )
    producer.flush()
    producer.close()


def event(n: int, source: str, **overrides) -> dict:
    return wire(
        event_id=f"src-{n}",
        participant_id=f"P-src-{n:04}",
        occurred_at="2026-06-01T09:00:00+07:00",
        source=source,
        **overrides,
    )


def by_source(worker) -> dict[tuple[str, str], float]:
    samples = worker.metrics().get("ucj_source_events", [])
    return {(s.labels["source"], s.labels["outcome"]): s.value for s in samples if s.name.endswith("_total")}


def sources_list(database_url: str, *urls: str) -> tuple[dict[str, str], str]:
    """`ucj sources list --url ...` in a child process: each source's last event, and stderr."""
    argv = [sys.executable, "-m", "services.cli", "sources", "list"] + [a for url in urls for a in ("--url", url)]
    done = subprocess.run(
        argv,
        env=child_env(UCJ_DATABASE_URL=database_url),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["name", "regions", "created", "key issued", "revoked", "last event"]
    return {re.split(r"\s{2,}", line)[0]: re.split(r"\s{2,}", line)[-1] for line in lines[1:]}, done.stderr


def test_a_worker_counts_events_by_source_and_sources_list_shows_the_last_one(
    kafka_bootstrap, registry_url, start_worker
):
    registry = Registry(registry_url)
    registry.add_source("desa-sungai-raya", ["61.07.01.2001"])
    registry.add_source("disnaker-bengkayang", ["61.07"])  # registered, sends nothing
    worker = start_worker(options=("--registry-reload", "1s"))
    worker.wait_ready()

    send(
        kafka_bootstrap,
        [
            (event(1, "desa-sungai-raya"), SENT[1]),
            (event(2, "desa-sungai-raya"), SENT[0]),  # sent earlier, arrives later: the newest counts
            (event(3, "simulator-sambas"), SENT[1]),  # not registered: other
            (event(4, "desa-sungai-raya", region_code="61.99"), SENT[0]),  # invalid, under the source it names
        ],
    )
    expected = {("desa-sungai-raya", "applied"): 2, ("desa-sungai-raya", "invalid"): 1, ("other", "applied"): 1}
    wait_until(
        lambda: by_source(worker) == expected,
        lambda: f"events by source {expected}, got {by_source(worker)}",
        processes=[worker],
    )
    last = {s.labels["source"]: s.value for s in worker.metrics()["ucj_source_last_event_timestamp_seconds"]}
    assert last == {"desa-sungai-raya": SENT[1].timestamp(), "other": SENT[1].timestamp()}

    shown, err = sources_list(registry_url, worker.url)
    assert shown == {"desa-sungai-raya": "2026-06-29 09:45 UTC", "disnaker-bengkayang": "-"}
    assert err == ""

    # a source added while the worker runs is labelled by its name from the next registry reload on
    registry.add_source("desa-baru", ["61.07.01.2001"])
    wait_until(
        lambda: any(s.labels["source"] == "desa-baru" for s in worker.metrics()["ucj_source_added_timestamp_seconds"]),
        "the worker reloaded the registry and watches desa-baru",
        processes=[worker],
    )
    send(kafka_bootstrap, [(event(5, "desa-baru"), SENT[0])])
    wait_until(
        lambda: by_source(worker).get(("desa-baru", "applied")) == 1,
        lambda: f"desa-baru's event counted: {by_source(worker)}",
        processes=[worker],
    )
    shown, _ = sources_list(registry_url, worker.url)
    assert shown == {
        "desa-baru": "2026-06-29 02:30 UTC",
        "desa-sungai-raya": "2026-06-29 09:45 UTC",
        "disnaker-bengkayang": "-",
    }
