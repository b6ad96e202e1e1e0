"""Every record is a well-formed schema v1 event, or invalid for exactly its stated reason."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.dev.simulation import SCHEMA, generate_events, participant_id
from streams.domain.nik import contains_nik
from streams.domain.validation import Rejected, parse_event
from tests.services.dev.simulation.conftest import NOW, START, originals, stream

COMMON = {"schema", "event_id", "type", "occurred_at", "participant_id", "region_code", "segment", "source"}
TYPE_FIELDS = {
    "enrollment": {"covered_from", "paid_through"},
    "assistance_payment": {"payer_id", "period_start", "period_end", "amount_idr"},
    "lapse": {"reason", "effective_date"},
}
DATE_FIELDS = {
    "enrollment": ("covered_from", "paid_through"),
    "assistance_payment": ("period_start", "period_end"),
    "lapse": ("effective_date",),
}
SOURCE = re.compile(r"bpjs-enrollment|pemprov-assistance|disnaker-61\.\d\d|desa-61\.\d\d\.\d\d\.2\d{3}")
PAYER = re.compile(r"APBD-61|APBD-61\.\d\d|APBDES-61\.\d\d\.\d\d\.2\d{3}")


def test_same_seed_gives_the_same_bytes():
    assert stream(300, seed=3) == stream(300, seed=3)
    assert stream(300, seed=3) != stream(300, seed=4)


def test_valid_records_have_exactly_the_schema_fields(small_stream, geography):
    for event in originals(small_stream):
        assert set(event) == COMMON | TYPE_FIELDS[event["type"]], event
        assert event["schema"] == SCHEMA
        assert event["region_code"] in geography
        assert event["segment"] in {"PU", "BPU", "JAKON", "PMI"}
        assert SOURCE.fullmatch(event["source"]), event["source"]
        assert re.fullmatch(r"P-[a-z2-7]{13}", event["participant_id"])
        assert event["occurred_at"].endswith("+07:00")


def test_valid_records_have_consistent_dates_and_amounts(small_stream):
    for event in originals(small_stream):
        occurred = datetime.fromisoformat(event["occurred_at"])
        assert START <= occurred.date() and occurred <= NOW
        if event["type"] == "enrollment":
            assert date.fromisoformat(event["covered_from"]) <= date.fromisoformat(event["paid_through"])
        elif event["type"] == "assistance_payment":
            start, end = date.fromisoformat(event["period_start"]), date.fromisoformat(event["period_end"])
            assert start <= end and (end.month, end.day) == (12, 31) and start.day == 1  # budget year
            assert event["amount_idr"] == 16_800 * (end.month - start.month + 1)
            assert PAYER.fullmatch(event["payer_id"]), event["payer_id"]
        else:
            assert event["reason"] in {"non_payment", "employment_ended", "deceased"}
            date.fromisoformat(event["effective_date"])


def test_keys_are_the_participant_ids(small_stream):
    for record in small_stream:
        if record.valid:
            assert record.key == json.loads(record.value)["participant_id"].encode()


def test_the_domain_validator_accepts_valid_and_rejects_invalid_for_the_stated_reason(large_stream, geography):
    codes = geography.codes
    for record in large_stream:
        result = parse_event(record.value, codes, NOW)
        if record.valid:
            assert not isinstance(result, Rejected), (record.value, result)
        else:
            assert isinstance(result, Rejected) and result.reason == record.invalid_reason, (record, result)


def test_invalid_records_are_broken_as_stated(large_stream, geography):
    invalid = [r for r in large_stream if not r.valid]
    assert {r.invalid_reason for r in invalid} == {
        "not_json",
        "unknown_type",
        "missing_field",
        "bad_date",
        "unknown_region",
        "bad_interval",
        "bad_amount",
        "future_event",
    }
    for record in invalid:
        if record.invalid_reason == "not_json":
            try:
                json.loads(record.value.decode("utf-8"))
            except ValueError:
                continue
            raise AssertionError(f"parses as JSON: {record.value!r}")
        event = json.loads(record.value)
        if record.invalid_reason == "unknown_region":
            assert event["region_code"] not in geography
        elif record.invalid_reason == "future_event":
            assert datetime.fromisoformat(event["occurred_at"]) > NOW + timedelta(days=1)
        elif record.invalid_reason == "bad_amount":
            assert event["amount_idr"] < 0
        elif record.invalid_reason == "bad_interval":
            assert event["paid_through"] < event["covered_from"]
        elif record.invalid_reason == "unknown_type":
            assert event["type"] not in TYPE_FIELDS
        elif record.invalid_reason == "missing_field":
            kind = event.get("type")
            optional = {"covered_from", "effective_date"}  # they default to the date of occurred_at
            required = COMMON | (TYPE_FIELDS[kind] - optional if kind else set())
            assert not required <= set(event), event
        elif record.invalid_reason == "bad_date":
            assert not all(_is_date(event[name]) for name in DATE_FIELDS[event["type"]]), event


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_participant_ids_never_collide():
    ids = {participant_id(seed=9, index=i) for i in range(200_000)}
    assert len(ids) == 200_000


@given(st.integers(0, 2**32), st.integers(0, 2**40))
def test_participant_ids_are_never_nik_shaped(seed, index):
    pid = participant_id(seed, index)
    assert re.fullmatch(r"P-[a-z2-7]{13}", pid) and not contains_nik(pid)


def test_nothing_occurs_after_the_end_date_even_when_now_is_later():
    end = date(2024, 6, 30)
    for event in originals(stream(500, seed=2, end=end)):
        assert datetime.fromisoformat(event["occurred_at"]).date() <= end


def test_a_naive_or_utc_now_means_the_same_moment():
    aware = stream(200, seed=8)
    assert stream(200, seed=8, now=NOW.replace(tzinfo=None)) == aware
    assert stream(200, seed=8, now=NOW.astimezone(datetime.now().astimezone().tzinfo)) == aware


def test_an_empty_period_gives_no_records():
    assert stream(100, seed=1, start=NOW.date() + timedelta(days=1)) == []
    assert stream(0, seed=1) == []


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    participants=st.integers(1, 60),
    start=st.dates(date(2023, 1, 1), date(2025, 12, 1)),
    span_days=st.integers(0, 800),
    minutes=st.integers(0, 24 * 60 - 1),
)
def test_any_configuration_yields_only_acceptable_valid_events(
    seed, participants, start, span_days, minutes, geography
):
    now = datetime.combine(start + timedelta(days=span_days), datetime.min.time(), NOW.tzinfo)
    now += timedelta(minutes=minutes)
    seen = set()
    for record in generate_events(participants=participants, seed=seed, start=start, end=now.date(), now=now):
        result = parse_event(record.value, geography.codes, now)
        assert isinstance(result, Rejected) != record.valid, (record, result)
        if record.valid:
            assert result.occurred_at <= now and result.occurred_at.date() >= start
            assert record.duplicate == (record.value in seen)
            seen.add(record.value)
