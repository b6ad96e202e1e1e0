"""Deliberately invalid inputs, each broken for exactly one reason of the validator."""

from __future__ import annotations

import json
import random
from datetime import date

from services.dev.simulation.days import DAY, HOUR, iso_day, iso_moment
from services.dev.simulation.programmes import IDR_PER_MONTH, PROVINCE_PAYER

COMMON_FIELDS = ("schema", "event_id", "type", "occurred_at", "participant_id", "region_code", "segment", "source")
# Fields with no default (covered_from and effective_date default to the date of occurred_at).
REQUIRED_FIELDS = {
    "enrollment": COMMON_FIELDS + ("paid_through",),
    "assistance_payment": COMMON_FIELDS + ("payer_id", "period_start", "period_end", "amount_idr"),
    "lapse": COMMON_FIELDS + ("reason",),
}
DATE_FIELDS = {
    "enrollment": ("covered_from", "paid_through"),
    "assistance_payment": ("period_start", "period_end"),
    "lapse": ("effective_date",),
}
UNKNOWN_REGIONS = ("61.99.99.9999", "61.07.99.2999", "62.01", "6107012001")
UNKNOWN_TYPES = ("transfer", "enrolment", "payment", "ENROLLMENT")


_COMPACT = json.JSONEncoder(separators=(",", ":"))


def encode(event: dict) -> bytes:
    return _COMPACT.encode(event).encode("utf-8")


def invalid_value(event: dict, reason: str, rng: random.Random, now: int) -> bytes:
    """The bytes of `event` (a valid event with a fresh event_id) broken for `reason`."""
    bad = dict(event)
    kind = bad["type"]
    occurred_on = date.fromisoformat(bad["occurred_at"][:10])
    occurred, year = occurred_on.toordinal(), occurred_on.year
    if reason == "not_json":
        good = encode(bad)
        truncated, form = good[: len(good) // 2], b"type=enrollment&" + good[-20:]
        csv_line = f"{bad['participant_id']},{bad['region_code']},{kind}".encode()
        return rng.choice((truncated, form, csv_line))
    if reason == "unknown_type":
        bad["type"] = rng.choice(UNKNOWN_TYPES)
    elif reason == "missing_field":
        del bad[rng.choice(REQUIRED_FIELDS[kind])]
    elif reason == "bad_date":
        bad[rng.choice(DATE_FIELDS[kind])] = rng.choice((f"{year}-02-30", f"31/12/{year}", f"{year}-13-01"))
    elif reason == "unknown_region":
        bad["region_code"] = rng.choice(UNKNOWN_REGIONS)
    elif reason == "bad_interval":
        bad = _retyped(bad, "enrollment")
        bad["covered_from"] = iso_day(occurred)
        bad["paid_through"] = iso_day(occurred - rng.randint(1, 60))
    elif reason == "bad_amount":
        bad = _retyped(bad, "assistance_payment")
        bad.update(
            payer_id=PROVINCE_PAYER,
            period_start=f"{year}-01-01",
            period_end=f"{year}-12-31",
            amount_idr=-IDR_PER_MONTH * 12,
        )
    elif reason == "future_event":
        bad["occurred_at"] = iso_moment(now + rng.randint(DAY + HOUR, 30 * DAY))
    else:
        raise ValueError(f"unknown invalid reason {reason!r}")
    return encode(bad)


def _retyped(event: dict, kind: str) -> dict:
    common = {name: event[name] for name in COMMON_FIELDS}
    common["type"] = kind
    return common
