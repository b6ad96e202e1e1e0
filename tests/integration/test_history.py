"""Exact history: a past day's active participants, read from the running worker, equal an
independent count over the events; a backdated lapse restates the past."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest

from services.registry import Registry
from services.worker_client import collect_history as collect
from tests.integration.conftest import FIXED_NOW
from tests.integration.oracle import active_by_region
from tests.integration.small_province import Record
from tests.integration.streams import messy_stream, send_raw
from tests.integration.waiting import wait_until
from tests.streams.domain.factories import wire
from tests.tools import child_env

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat(FIXED_NOW)


def all_processed(worker, sent: int) -> bool:
    metrics = worker.metrics()
    lag = {s.labels["partition"]: s.value for s in metrics.get("ucj_consumer_lag_messages", [])}
    seen = sum(
        int(s.value)
        for s in metrics.get("ucj_events", [])
        if s.name.endswith("_total") and s.labels["outcome"] != "rekeyed"
    )
    return bool(lag) and set(lag.values()) == {0} and seen >= sent


def test_a_past_day_is_exact_and_a_backdated_lapse_restates_it(kafka_bootstrap, registry_url, start_worker, tmp_path):
    records, keyless = messy_stream(participants=3_000, seed=23, now=NOW)
    events = [json.loads(r.value) for r in records if r.valid]
    send_raw(kafka_bootstrap, records, keyless)
    worker = start_worker()
    worker.wait_ready()
    wait_until(
        lambda: all_processed(worker, len(records)),
        f"{len(records)} events processed",
        timeout=600,
        every=1,
        processes=[worker],
    )

    rng = random.Random(23)
    day = date(2024, 3, 1) + timedelta(days=rng.randrange((NOW.date() - date(2024, 3, 1)).days))
    truth = active_by_region(events, day)
    tree = Registry(registry_url).region_tree()
    regency = max(tree.codes_at("regency"), key=lambda code: truth.get(code, 0))
    district = max(
        (c for c in tree.codes_at("district") if c.startswith(regency + ".")), key=lambda code: truth.get(code, 0)
    )
    for code in ("61", regency, district):
        [row] = collect([worker.url], code, day, day).rows
        assert row.active == truth[code] > 0, (code, day)
        assert row.planned is not None
        if code != district:  # the registry has workforce figures for the province and the regencies only
            assert row.coverage == pytest.approx(truth[code] / row.workforce)

    # the CLI sums the same, and steps by month to the last day asked for
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.cli",
            "history",
            "--region",
            regency,
            "--from",
            (day - timedelta(days=70)).isoformat(),
            "--to",
            day.isoformat(),
            "--step",
            "month",
            "--json",
            "--url",
            worker.url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=child_env(UCJ_DATA_DIR=str(tmp_path)),
    )
    assert answer.returncode == 0, answer.stderr
    rows = json.loads(answer.stdout)
    assert rows[-1]["day"] == day.isoformat() and rows[-1]["active"] == truth[regency]
    assert len(rows) >= 2 and all(
        (date.fromisoformat(r["day"]) + timedelta(days=1)).day == 1 for r in rows[:-1]
    )  # month ends

    # a lapse reported today, effective ten days before that day: the past changes
    lapse = _backdated_lapse(events, day, regency)
    send_raw(kafka_bootstrap, [lapse])
    restated = active_by_region(events + [json.loads(lapse.value)], day)
    assert restated[regency] == truth[regency] - 1
    wait_until(
        lambda: collect([worker.url], regency, day, day).rows[0].active == restated[regency],
        "the day restated",
        processes=[worker],
    )
    for code in ("61", regency, district):
        assert collect([worker.url], code, day, day).rows[0].active == restated[code]


def _backdated_lapse(events: list[dict], day: date, regency: str) -> Record:
    """A lapse of a participant of `regency` who was active on `day`, effective ten days before it."""
    by_participant: dict[str, list[dict]] = {}
    for event in events:
        by_participant.setdefault(event["participant_id"], []).append(event)
    before = active_by_region(events, day)
    for participant, own in sorted(by_participant.items()):
        latest = max(own, key=lambda e: e["occurred_at"])
        if not latest["region_code"].startswith(regency + "."):
            continue
        lapse = wire(
            "lapse",
            event_id=f"backdated-{participant}",
            participant_id=participant,
            occurred_at=NOW.isoformat(),
            region_code=latest["region_code"],
            reason="non_payment",
            effective_date=(day - timedelta(days=10)).isoformat(),
        )
        if active_by_region(events + [lapse], day)[regency] == before[regency] - 1:
            return Record(lapse)
    raise AssertionError(f"no participant of {regency} active on {day}")
