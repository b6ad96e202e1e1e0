"""Builders of valid wire events for tests."""

from __future__ import annotations

import base64
import hashlib
import json

NOW_TEXT = "2025-06-15T12:00:00+07:00"


def wire(kind: str = "enrollment", **overrides) -> dict:
    base = {
        "schema": "ucj.participant-event/1",
        "event_id": "ev-1",
        "type": kind,
        "occurred_at": "2025-06-01T09:00:00+07:00",
        "participant_id": "P-0001",
        "region_code": "61.07.01.2001",
        "segment": "BPU",
        "source": "test",
    }
    base.update(
        {
            "enrollment": {"covered_from": "2025-06-01", "paid_through": "2025-08-31"},
            "assistance_payment": {
                "payer_id": "APBD-61",
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "amount_idr": 201600,
            },
            "lapse": {"reason": "non_payment", "effective_date": "2025-07-01"},
        }.get(kind, {})
    )
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()


def raw(kind: str = "enrollment", **overrides) -> bytes:
    return json.dumps(wire(kind, **overrides)).encode()


# A well-formed NIK: Kota Pontianak (61.71), district 01, a woman born 1 January 1990, serial 0001.
NIK = "6171014101900001"


def pseudonym(seed: str) -> str:
    """A participant_id in the gateway's pseudonym form (pn1_ and 32 base32 characters), fixed per seed."""
    return "pn1_" + base64.b32encode(hashlib.sha1(seed.encode()).digest()).decode().lower()
