"""The fast path takes every valid event as producers write them, so that parse_event's speed
does not hinge on how an event happens to be written. What it leaves to validation.py is
decided there as before (test_validation_equivalence.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from itertools import islice

import pytest

from services.dev.simulation import generate_events
from services.registry.seed import seed_regions
from streams.domain.plain_event import plain_event
from streams.domain.regions import RegionTree
from streams.domain.validation import parse_event

from .factories import DROP, NOW_TEXT, raw, wire

NOW = datetime.fromisoformat(NOW_TEXT)
REGIONS = RegionTree.from_regions(seed_regions())


def test_every_valid_simulated_event_takes_the_fast_path():
    now = datetime.fromisoformat("2026-06-30T12:00:00+07:00")
    records = generate_events(participants=300, seed=5, start=date(2024, 1, 1), end=now.date(), now=now)
    valid = [record.value for record in islice(records, 2000) if record.valid]
    assert len(valid) > 1000
    for value in valid:
        event = plain_event(value, REGIONS, now)
        assert event is not None and event == parse_event(value, REGIONS, now), value


KINDS = ("enrollment", "assistance_payment", "lapse")


@pytest.mark.parametrize(
    "kind, overrides, dumps",
    [
        *((kind, {}, dict(separators=(",", ":"))) for kind in KINDS),
        *((kind, {}, dict(indent=2)) for kind in KINDS),  # whitespace between the tokens
        # UTF-8 text, no escape
        *(
            (kind, dict(participant_id="P-Wayan-\u00e9", source="desa-61.07.01.2001"), dict(ensure_ascii=False))
            for kind in KINDS
        ),
        ("enrollment", dict(covered_from=DROP, event_id="e" * 128), {}),  # a defaulted date, the longest id
        ("lapse", dict(effective_date=DROP), {}),
        ("assistance_payment", dict(payer_id="CSR-PT Sinar_Mas-Tbk.", amount_idr=0), {}),
        ("assistance_payment", dict(payer_id="APBDES-61.07.01.2001", amount_idr=10**12), {}),
    ],
)
def test_events_as_producers_write_them_take_the_fast_path(kind, overrides, dumps):
    data = json.dumps(wire(kind, **overrides), **dumps).encode()
    event = plain_event(data, REGIONS, NOW)
    assert event is not None and event == parse_event(data, REGIONS, NOW)


@pytest.mark.parametrize(
    "data",
    [
        None,
        raw(remarks="x"),  # a field of no type: validation.py ignores it, the fast path leaves it to it
        raw(participant_id='P-"quoted"'),  # an escape
        raw(covered_from=None),  # null
        b'{"event_id":"a",' + raw()[1:],  # a key twice
    ],
)
def test_what_is_not_plain_is_left_to_validation(data):
    assert plain_event(data, REGIONS, NOW) is None
