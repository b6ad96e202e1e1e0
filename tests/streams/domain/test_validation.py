import json
from datetime import date, datetime

import pytest

from streams.domain.events import AssistancePaid, ParticipantEnrolled, ParticipantLapsed, to_wire
from streams.domain.validation import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_AMOUNT_IDR,
    MAX_EVENT_BYTES,
    MAX_TEXT_LENGTH,
    PARSE_REASONS,
    REASONS,
    Rejected,
    parse_event,
)

from .factories import DROP, NIK, NOW_TEXT, raw, wire

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
        (raw(participant_id=NIK), "raw_nik"),
        (raw(participant_id="NIK-6171.0141.0190.0001"), "raw_nik"),
        (raw(participant_id="6171 0141 0190 0001"), "raw_nik"),
        (raw(event_id=f"import-{NIK}-1"), "raw_nik"),
        (raw(source=f"nik-{NIK}"), "raw_nik"),
        (raw(remarks=f"registered by {NIK[:8]}-{NIK[8:]}"), "raw_nik"),
        (raw(extra={"people": [{"id": NIK}]}), "raw_nik"),
        (raw(extra={NIK: 1}), "raw_nik"),
        (raw(extra=int(NIK)), "raw_nik"),  # a number, as written in the raw text
        (raw(nik="61.71"), "raw_nik"),  # any nik field: pseudonymised before publishing, never sent
        # issue 21: as people type it
        (raw(participant_id="".join(chr(0xFF10 + int(d)) for d in NIK)), "raw_nik"),  # fullwidth, plain and escaped
        (raw(participant_id="".join(chr(0xFF10 + int(d)) for d in NIK)).replace(b"\\uff1", b"\\uFF1"), "raw_nik"),
        (
            json.dumps(wire(participant_id="".join(chr(0xFF10 + int(d)) for d in NIK)), ensure_ascii=False).encode(),
            "raw_nik",
        ),
        (raw(participant_id="".join(chr(0x0660 + int(d)) for d in NIK)), "raw_nik"),  # Arabic-Indic
        (raw(participant_id="6171,0141,0190,0001"), "raw_nik"),
        (raw(participant_id="6171|0141|0190|0001"), "raw_nik"),
        (raw(participant_id="6171\u00a00141\u20090190\u30000001"), "raw_nik"),  # no-break, thin, ideographic spaces
        (raw(participant_id="6171    0141    0190    0001"), "raw_nik"),
        (raw(participant_id=NIK + "01"), "raw_nik"),  # a NIK and a suffix
        (raw(participant_id="P-00" + NIK), "raw_nik"),
        (raw(participant_id="".join(f"\\u{ord(d):04x}" for d in NIK)), "raw_nik"),  # escapes as text in the value
        (
            raw(participant_id="P-1").replace(
                b'"P-1"', ('"' + "".join(f"\\u{ord(d):04x}" for d in NIK) + '"').encode()
            ),
            "raw_nik",
        ),
        (raw(extra={"6171\u00a00141\u00a00190\u00a00001": 1}), "raw_nik"),  # a key
        (raw(event_id="e" * (MAX_TEXT_LENGTH + 1)), "too_long"),
        (raw(remarks="x" * (MAX_TEXT_LENGTH + 1)), "too_long"),
        (raw(extra={"k" * (MAX_TEXT_LENGTH + 1): 1}), "too_long"),
        (raw(remarks="x" * MAX_EVENT_BYTES), "too_large"),
        (b"[" * 5000 + b"]" * 5000, "not_json"),  # deeper than the decoder can recurse
        (b'{"a":' * 2500 + b"1" + b"}" * 2500, "not_json"),
        (raw("assistance_payment", amount_idr=float("nan")), "not_json"),
        (b'{"event_id": "a", "event_id": "b"}', "not_json"),
        (raw(participant_id="P-\ud800"), "not_json"),  # an unpaired surrogate
        (raw(occurred_at="yesterday"), "bad_timestamp"),
        (raw(occurred_at="2025-06-01T09:00:00"), "bad_timestamp"),
        (raw(occurred_at="2025-06-15T12:06:00+07:00"), "future_event"),
        (raw(region_code="61.99.99.9999"), "unknown_region"),
        (raw(region_code=DROP), "missing_field"),
        (raw(segment="XYZ"), "unknown_segment"),
        (raw(source=""), "empty_field"),
        (raw(source="Dinas Tenaga Kerja"), "bad_source"),
        (raw(source="-x"), "bad_source"),
        (raw(source="s" * 65), "bad_source"),
        (raw(occurred_at="1989-12-31T23:59:59+07:00"), "date_out_of_range"),
        (raw(occurred_at="0001-01-01T00:00:00+08:00"), "date_out_of_range"),  # overflows in Pontianak time
        (raw(occurred_at="9999-12-31T23:59:59-08:00"), "date_out_of_range"),
        (raw(covered_from="0001-01-01"), "date_out_of_range"),
        (raw(paid_through="9999-12-31"), "date_out_of_range"),
        (raw(paid_through="2101-01-01"), "date_out_of_range"),
        (raw("assistance_payment", period_start="1989-12-31"), "date_out_of_range"),
        (raw("assistance_payment", period_end="2101-01-01"), "date_out_of_range"),
        (raw("lapse", effective_date="0001-01-01"), "date_out_of_range"),
        (raw(source=DROP), "missing_field"),
        (raw(paid_through=DROP), "missing_field"),
        (raw(paid_through="2025-02-30"), "bad_date"),
        (raw(covered_from="01/06/2025"), "bad_date"),
        (raw(paid_through="2025-05-31"), "bad_interval"),
        (raw("assistance_payment", period_end="2024-12-31"), "bad_interval"),
        (raw("assistance_payment", amount_idr=-1), "bad_amount"),
        (raw("assistance_payment", amount_idr=MAX_AMOUNT_IDR + 1), "bad_amount"),
        (raw("assistance_payment", payer_id="APBD-62"), "bad_payer_id"),  # not in the registry
        (raw("assistance_payment", payer_id="APBD-61.07.01"), "bad_payer_id"),  # districts have no budget
        (raw("assistance_payment", payer_id="APBDES-61.07.01"), "bad_payer_id"),
        (raw("assistance_payment", payer_id="APBD-\u0666\u0661"), "bad_payer_id"),  # digits, but not ASCII
        (raw("assistance_payment", payer_id="Pemprov"), "bad_payer_id"),
        (raw("assistance_payment", payer_id="CSR-"), "bad_payer_id"),
        (raw("assistance_payment", payer_id="CSR-PT <Sawit>"), "bad_payer_id"),
        (raw("assistance_payment", payer_id="CSR-" + "x" * 65), "bad_payer_id"),
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


def test_every_reason_parse_event_gives_is_exercised():
    # keeps the table above in step with PARSE_REASONS
    from pathlib import Path

    source = Path(__file__).read_text()
    missing = [r for r in PARSE_REASONS if f'"{r}")' not in source]
    assert missing == []


def test_reasons_are_one_closed_list():
    assert len(set(REASONS)) == len(REASONS) and set(PARSE_REASONS) < set(REASONS)
    assert "processing_error" in REASONS and "region_out_of_scope" in REASONS
    with pytest.raises(ValueError):
        Rejected("bored", "a reason outside the list")


def test_a_detail_never_shows_a_nik():
    assert Rejected("unknown_region", f"region_code {NIK} and 61.71.01.410190.0001").detail == (
        "region_code **************** and **.**.**.******.****"
    )
    rejected = parse(raw(participant_id=f"NIK {NIK}"))
    assert rejected.reason == "raw_nik" and "participant_id" in rejected.detail and NIK not in rejected.detail


@pytest.mark.parametrize(
    "overrides",
    [
        dict(occurred_at="1989-12-31T17:00:00Z", covered_from="1990-01-01"),  # 00:00 on 1 January 1990 in Pontianak
        dict(covered_from=EARLIEST_DATE.isoformat(), paid_through=LATEST_DATE.isoformat()),
        dict(participant_id="p" * 128, event_id="e" * 128, source="s" * 64),
        dict(participant_id="6107012345678901"),  # 16 digits, but not a NIK: month 45
        dict(event_id="sim-9-2025-06-01", source="desa-61.07.01.2001", remarks="x" * MAX_TEXT_LENGTH),
        dict(nik=None),  # an absent field
    ],
)
def test_values_at_the_bounds_are_accepted(overrides):
    assert isinstance(parse(raw(**overrides)), ParticipantEnrolled)


@pytest.mark.parametrize(
    "payer_id", ["APBD-61", "APBD-61.07", "APBDES-61.07.01.2001", "CSR-PT Sinar_Mas-Tbk.", "CSR-" + "x" * 64]
)
def test_payer_id_formats(payer_id):
    assert parse(raw("assistance_payment", payer_id=payer_id)).payer_id == payer_id
    assert isinstance(parse(raw("assistance_payment", amount_idr=MAX_AMOUNT_IDR)), AssistancePaid)


@pytest.mark.parametrize(
    "source", ["bpjs-enrollment", "pemprov-assistance", "disnaker-61.07", "desa-61.07.01.2001", "A_1"]
)
def test_the_simulators_sources_are_valid(source):
    assert parse(raw(source=source)).source == source


def test_within_five_minutes_of_now_is_accepted():
    assert isinstance(
        parse(raw(occurred_at="2025-06-15T12:04:59+07:00", covered_from="2025-06-15")), ParticipantEnrolled
    )


def test_deep_nesting_is_not_json_not_an_exception():
    for data in (b"[" * 5000 + b"]" * 5000, b'{"a":' * 2500 + b"1" + b"}" * 2500):
        assert parse(data) == Rejected("not_json", "nested too deeply")


def test_a_record_without_a_value_is_not_an_event():
    result = parse_event(None, REGIONS, NOW)
    assert isinstance(result, Rejected) and result.reason == "not_json"
