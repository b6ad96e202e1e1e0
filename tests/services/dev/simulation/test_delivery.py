"""Delivery faults: redelivered duplicates, late arrivals and deliberately invalid inputs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.services.dev.simulation.conftest import NOW

# mix.LATE_DELAY_SECONDS, plus a night without events before the held record is released
LATEST_ARRIVAL = timedelta(hours=36 + 12)


def test_duplicates_repeat_earlier_bytes_and_are_about_two_percent(large_stream):
    seen = set()
    for record in large_stream:
        if record.duplicate:
            assert record.valid and record.value in seen
        seen.add(record.value)
    share = sum(r.duplicate for r in large_stream) / len(large_stream)
    assert 0.015 < share < 0.025


def test_about_one_percent_is_invalid(large_stream):
    share = sum(not r.valid for r in large_stream) / len(large_stream)
    assert 0.007 < share < 0.013
    assert not any(r.duplicate for r in large_stream if not r.valid)


def test_event_ids_are_unique_except_for_redeliveries(large_stream):
    ids = [json.loads(r.value)["event_id"] for r in large_stream if r.valid and not r.duplicate]
    assert len(ids) == len(set(ids))


def test_stream_is_in_time_order_but_for_some_late_arrivals(large_stream):
    latest, late = datetime.min.replace(tzinfo=NOW.tzinfo), 0
    originals = [r for r in large_stream if r.valid and not r.duplicate]
    for record in originals:
        occurred = datetime.fromisoformat(json.loads(record.value)["occurred_at"])
        if occurred < latest:
            late += 1
            assert latest - occurred <= LATEST_ARRIVAL
        latest = max(latest, occurred)
    assert 0.01 < late / len(originals) < 0.05


def test_valid_events_never_occur_after_now(large_stream):
    for record in large_stream:
        if record.valid:
            assert datetime.fromisoformat(json.loads(record.value)["occurred_at"]) <= NOW
