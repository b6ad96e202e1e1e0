"""One event from one source: NIK to pseudonym, source from the key, validation, no NIK left, scope."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.admission import admit
from services.gateway.publishing import message
from streams.domain.events import ParticipantEvent
from streams.domain.nik import contains_nik
from streams.domain.validation import REASONS, Rejected
from tests.services.gateway.conftest import BENGKAYANG, ELSEWHERE, PSEUDONYMIZER, VILLAGE, admission, nik
from tests.streams.domain.factories import DROP, wire

PSEUDONYM = PSEUDONYMIZER.participant_id(nik(serial=9))


def event(**fields) -> dict:
    fields.setdefault("participant_id", PSEUDONYM)
    fields.setdefault("occurred_at", "2026-06-01T09:00:00+07:00")
    fields.setdefault("region_code", VILLAGE)
    fields.setdefault("source", DROP)
    return wire(**fields)


@pytest.mark.parametrize("written", [nik(), "61.07.01.410190.0001", "6107 0141 0190 0001", " 6107-01-410190-0001 "])
def test_a_nik_in_any_formatting_becomes_the_same_pseudonym(written):
    admitted = admit(event(participant_id=DROP, nik=written), admission())
    assert isinstance(admitted, ParticipantEvent)
    assert admitted.participant_id == PSEUDONYMIZER.participant_id(nik())


def test_the_published_event_has_no_nik_field():
    key, body = message(admit(event(participant_id=DROP, nik=nik()), admission()))
    assert "nik" not in json.loads(body) and key == PSEUDONYMIZER.participant_id(nik()).encode()


def test_the_events_own_text_is_read_as_strictly_as_the_worker_reads_it():
    text = json.dumps(event())
    assert isinstance(admit(None, admission(), text), ParticipantEvent)
    assert admit(None, admission(), text[:-1] + ', "event_id": "again"}').reason == "not_json"  # a duplicate key
    assert admit(None, admission(), text[:-1] + ', "x": NaN}').reason == "not_json"
    assert admit(None, admission(), text[:-1] + ', "x": "' + "y" * 20_000 + '"}').reason == "too_large"
    assert admit(None, admission(), text[:-1] + ', "x": "\\ud800"}').reason == "not_json"


def test_nik_and_participant_id_together_are_rejected():
    assert admit(event(nik=nik()), admission()).reason == "nik_and_participant_id"


@pytest.mark.parametrize(
    "bad",
    [
        "6107014101900000",
        "9907014101900001",
        "6107019901900001",
        "61070141019000",
        "NIK 61070141 01900001 x",
        "",
        "610701410190000l",
    ],
)
def test_a_malformed_nik_is_rejected_without_echoing_it(bad):
    rejected = admit(event(participant_id=DROP, nik=bad), admission())
    assert rejected.reason == "bad_nik"
    assert not re.search(r"\d{5}", rejected.detail)  # says what is wrong, never which digits


def test_a_nik_sent_as_a_number_is_rejected():
    assert admit(event(participant_id=DROP, nik=int(nik())), admission()).reason == "bad_nik"


@pytest.mark.parametrize(
    "participant_id",
    [
        "P-0001",
        "ＰＮ１＿" + PSEUDONYM[4:],  # fullwidth letters
        "pn1_" + "٣" * 32,  # Arabic-Indic digits
        PSEUDONYM.upper(),
        PSEUDONYM + "a",
        PSEUDONYM[:-1],
        PSEUDONYM[:-1] + "1",  # not base32
        "pn2_" + PSEUDONYM[4:],
        " " + PSEUDONYM,
        PSEUDONYM + "\n",
    ],
)
def test_a_participant_id_that_is_not_a_pseudonym_is_rejected(participant_id):
    rejected = admit(event(participant_id=participant_id), admission())
    assert rejected.reason == "participant_id_not_pseudonym"
    assert "nik" in rejected.detail and participant_id not in rejected.detail


def test_a_pseudonym_made_elsewhere_is_taken_as_it_is():
    admitted = admit(event(participant_id=PSEUDONYM), admission())
    assert isinstance(admitted, ParticipantEvent) and admitted.participant_id == PSEUDONYM


def test_source_comes_from_the_key():
    assert admit(event(), admission(source="desa-2001")).source == "desa-2001"
    assert admit(event(source="desa-2001"), admission(source="desa-2001")).source == "desa-2001"
    assert admit(event(source="disnaker"), admission(source="desa-2001")).reason == "source_mismatch"


def test_the_workers_validation_decides_the_rest():
    assert admit(event(region_code="99.99"), admission()).reason == "unknown_region"
    assert admit(event(paid_through="2020-01-01"), admission()).reason == "bad_interval"
    assert admit([event()], admission()).reason == "not_an_object"
    assert admit("text", admission()).reason == "not_an_object"


def test_only_regions_inside_the_sources_own():
    assert isinstance(admit(event(region_code=VILLAGE), admission((BENGKAYANG,))), ParticipantEvent)
    assert isinstance(admit(event(region_code=BENGKAYANG), admission((BENGKAYANG,))), ParticipantEvent)
    assert isinstance(admit(event(region_code=ELSEWHERE), admission(("61",))), ParticipantEvent)
    out = admit(event(region_code=ELSEWHERE), admission((BENGKAYANG, "61.02")))
    assert out.reason == "region_out_of_scope" and "61.07, 61.02" in out.detail
    assert (
        admit(event(region_code="61"), admission((BENGKAYANG,))).reason == "region_out_of_scope"
    )  # a parent is outside


@pytest.mark.parametrize(
    "fields",
    [
        {"participant_id": "NIK-" + nik()},
        {"participant_id": "61.07.01.410190.0001"},
        {"event_id": "desa " + nik()},
        {"event_id": "6107 0141 0190 0001-enrol"},
    ],
)
def test_a_nik_shaped_value_left_in_any_field_is_rejected(fields):
    rejected = admit(event(**fields), admission())
    assert rejected.reason == "raw_nik"


def test_nesting_deeper_than_the_encoder_goes_is_rejected_not_raised():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert admit(event(extra=deep), admission()).reason == "not_json"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | st.just(nik()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_FIELDS = [
    "schema",
    "event_id",
    "type",
    "occurred_at",
    "participant_id",
    "nik",
    "region_code",
    "segment",
    "source",
    "paid_through",
]
_NIKS = st.sampled_from([nik(), "61.07.01.410190.0001", "NIK-" + nik(), nik()[:15]])


@st.composite
def event_like(draw) -> dict:
    """A valid event with a few fields removed or replaced by any JSON, a NIK among them."""
    obj = event(participant_id=DROP, nik=draw(_NIKS)) if draw(st.booleans()) else event()
    for name in draw(st.lists(st.sampled_from(_FIELDS), max_size=3, unique=True)):
        if draw(st.booleans()):
            obj.pop(name, None)
        else:
            obj[name] = draw(_JSON | _NIKS)
    return obj


@given(_JSON | event_like())
def test_anything_is_admitted_or_rejected_never_raised_and_what_passes_holds_no_nik(value):
    outcome = admit(value, admission())
    if isinstance(outcome, Rejected):
        assert outcome.reason in REASONS
        return
    key, body = message(outcome)
    assert outcome.source == "desa-2001"
    assert not contains_nik(key.decode()) and not contains_nik(body.decode())
    assert "nik" not in json.loads(body)
