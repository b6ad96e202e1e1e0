"""Counts follow the calendar in a running worker, with no new events."""

from __future__ import annotations

import json

import pytest

from tests.integration.streams import exported_active
from tests.integration.waiting import wait_until
from tests.streams.domain.factories import wire

pytestmark = pytest.mark.integration

VILLAGE, DISTRICT = "61.07.01.2001", "61.07.01"


def events():
    """Four participants whose coverage starts or ends at midnight between 30 June and 1 July 2026."""
    at = "2026-06-30T10:00:00+07:00"
    common = dict(occurred_at=at, region_code=VILLAGE)
    return [
        # ends on 30 June: active that day, not after
        wire(event_id="a1", participant_id="P-ENDS", covered_from="2026-06-01", paid_through="2026-06-30", **common),
        # assistance paid ahead for the second half of the year
        wire(
            "assistance_payment",
            event_id="b1",
            participant_id="P-STARTS",
            period_start="2026-07-01",
            period_end="2026-12-31",
            **common,
        ),
        # lapse announced today, effective tomorrow
        wire(event_id="c1", participant_id="P-LAPSES", covered_from="2026-01-01", paid_through="2026-12-31", **common),
        wire(
            "lapse",
            event_id="c2",
            participant_id="P-LAPSES",
            effective_date="2026-07-01",
            **dict(common, occurred_at="2026-06-30T11:00:00+07:00"),
        ),
        # covered on both days
        wire(event_id="d1", participant_id="P-STAYS", covered_from="2026-01-01", paid_through="2026-12-31", **common),
    ]


def test_counts_follow_local_midnight_without_new_events(kafka_bootstrap, registry_url, start_worker, tmp_path):
    from tests.integration.streams import send_raw

    clock = tmp_path / "clock"
    clock.write_text("2026-06-30T23:59:50+07:00")
    worker = start_worker(clock=f"@{clock}")
    worker.wait_ready()

    class Record:
        def __init__(self, event):
            self.key, self.value = event["participant_id"].encode(), json.dumps(event).encode()

    send_raw(kafka_bootstrap, [Record(e) for e in events()])
    wait_for_count(worker, 3)  # P-ENDS, P-LAPSES, P-STAYS on 30 June

    clock.write_text("2026-07-01T00:00:01+07:00")  # local midnight has passed
    wait_for_count(worker, 2)  # P-STARTS and P-STAYS on 1 July
    assert worker.status()["day"] == "2026-07-01"

    clock.write_text("2027-01-01T00:00:01+07:00")  # every interval has ended
    wait_for_count(worker, 0)


def wait_for_count(worker, wanted: int) -> None:
    def counted() -> bool:
        counts = exported_active(worker.metrics())
        assert counts[DISTRICT] == counts["61"]
        return counts["61"] == wanted

    wait_until(counted, lambda: f"{wanted} active, not {exported_active(worker.metrics())['61']}", processes=[worker])
