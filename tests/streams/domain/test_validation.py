from datetime import date, datetime

import pytest

from streams.domain.events import AssistancePaid, ParticipantEnrolled, ParticipantLapsed, to_wire
from streams.domain.validation import REASONS, Rejected, parse_event

from .factories import DROP, NOW_TEXT, raw

NOW = datetime.fromisoformat(NOW_TEXT)
REGIONS = {"61", "61.07", "61.07.01", "61.07.01.2001"}


def parse(data: bytes):
    return parse_event(data, REGIONS, NOW)


def reason_of(data: bytes) -> str:
    result = parse(data)
    assert isinstance(result, Rejected), result
    assert result.reason in REASONS
    return result.reason


def test_valid_events_of_each_type():
    assert isinstance(parse(raw("enrollment")), ParticipantEnrolled)
    paid = parse(raw("assistance_payment"))
    assert isinstance(paid, AssistancePaid) and paid.amount_idr == 201600 and paid.payer_id == "APBD-61"
    lapsed = parse(raw("lapse"))
    assert isinstance(lapsed, ParticipantLapsed) and lapsed.effective_date == date(2025, 7, 1)


def test_dates_default_to_the_pontianak_date_of_occurred_at():
    # 20:00 UTC on 31 May is 03:00 on 1 June in Pontianak
    enrolled = parse(raw(occurred_at="2025-05-31T20:00:00Z", covered_from=DROP))
    assert enrolled.covered_from == date(2025, 6, 1)
    lapsed = parse(raw("lapse", occurred_at="2025-05-31T20:00:00+00:00", effective_date=DROP))
    assert lapsed.effective_date == date(2025, 6, 1)


def test_unknown_fields_are_ignored():
    assert isinstance(parse(raw(extra_field="x")), ParticipantEnrolled)


def test_wire_round_trip():
    event = parse(raw("assistance_payment"))
    assert parse(__import__("json").dumps(to_wire(event)).encode()) == event


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"not json", "not_json"),
        (b"\xff\xfe", "not_json"),
        (b"[1, 2]", "not_an_object"),
        (raw(schema="ucj.participant-event/2"), "unsupported_schema"),
        (raw(schema=DROP), "missing_field"),
        (raw(type="transfer"), "unknown_type"),
        (raw(type=DROP), "missing_field"),
        (raw(event_id=""), "bad_event_id"),
        (raw(event_id="e" * 129), "bad_event_id"),
        (raw(event_id=DROP), "missing_field"),
        (raw(event_id=7), "wrong_field_type"),
        (raw(participant_id=""), "bad_participant_id"),
        (raw(participant_id="p" * 129), "bad_participant_id"),
        (raw(participant_id="6107012345678901"), "raw_nik"),
        (raw(occurred_at="yesterday"), "bad_timestamp"),
        (raw(occurred_at="2025-06-01T09:00:00"), "bad_timestamp"),
        (raw(occurred_at="2025-06-15T12:06:00+07:00"), "future_event"),
        (raw(region_code="61.99.99.9999"), "unknown_region"),
        (raw(region_code=DROP), "missing_field"),
        (raw(segment="XYZ"), "unknown_segment"),
        (raw(source=""), "empty_field"),
        (raw(source=DROP), "missing_field"),
        (raw(paid_through=DROP), "missing_field"),
        (raw(paid_through="2025-02-30"), "bad_date"),
        (raw(covered_from="01/06/2025"), "bad_date"),
        (raw(paid_through="2025-05-31"), "bad_interval"),
        (raw("assistance_payment", period_end="2024-12-31"), "bad_interval"),
        (raw("assistance_payment", amount_idr=-1), "bad_amount"),
        (raw("assistance_payment", amount_idr=1.5), "wrong_field_type"),
        (raw("assistance_payment", amount_idr=True), "wrong_field_type"),
        (raw("assistance_payment", amount_idr="16800"), "wrong_field_type"),
        (raw("assistance_payment", payer_id=" "), "empty_field"),
        (raw("assistance_payment", period_start=DROP), "missing_field"),
        (raw("lapse", reason="bored"), "unknown_lapse_reason"),
        (raw("lapse", effective_date="soon"), "bad_date"),
    ],
)
def test_each_rule_rejects_with_its_reason(data, reason):
    assert reason_of(data) == reason


def test_every_reason_is_exercised():
    # keeps the table above in step with REASONS
    from pathlib import Path

    source = Path(__file__).read_text()
    missing = [r for r in REASONS if f'"{r}")' not in source]
    assert missing == []


def test_within_five_minutes_of_now_is_accepted():
    assert isinstance(parse(raw(occurred_at="2025-06-15T12:04:59+07:00", covered_from="2025-06-15")), ParticipantEnrolled)
