"""EventPublisher's check of one line: what it would send, or why not (publishing itself: tests/integration)."""
import json
from datetime import datetime

from services.producer import EventPublisher
from streams.domain.nik import contains_nik
from streams.domain.pseudonym import Pseudonymizer
from tests.streams.domain.factories import DROP, NIK, NOW_TEXT, raw

PSEUDONYMIZER = Pseudonymizer(b"k" * 32)
REGIONS = {"61", "61.07", "61.07.01", "61.07.01.2001"}


def publisher(pseudonymizer=None) -> EventPublisher:
    # check() never touches the producer
    return EventPublisher(None, REGIONS, lambda: datetime.fromisoformat(NOW_TEXT), pseudonymizer=pseudonymizer)


def test_a_line_without_nik_is_sent_as_it_came():
    line = raw()
    for pseudonymizer in (None, PSEUDONYMIZER):
        value, event = publisher(pseudonymizer).check(line)
        assert value == line and event.participant_id == "P-0001"


def test_without_a_pseudonymizer_a_nik_is_rejected():
    result = publisher().check(raw(participant_id=DROP, nik=NIK))
    assert result.reason == "raw_nik" and "--pseudonymize" in result.detail and NIK not in result.detail


def test_with_a_pseudonymizer_the_nik_becomes_the_participant_id_and_is_not_sent():
    ids = set()
    for number, text in enumerate((NIK, "6171 0141 0190 0001", "61.71.01.410190.0001", " 6171-0141-0190-0001")):
        value, event = publisher(PSEUDONYMIZER).check(raw(participant_id=DROP, nik=text, event_id=f"e{number}"))
        ids.add(event.participant_id)
        sent = json.loads(value)
        assert "nik" not in sent and sent["participant_id"] == event.participant_id
        assert not contains_nik(value.decode())
    assert ids == {PSEUDONYMIZER.participant_id(NIK)}


def test_with_a_pseudonymizer_bad_input_is_rejected_for_its_reason():
    check = publisher(PSEUDONYMIZER).check
    assert check(raw(nik=NIK)).reason == "nik_and_participant_id"
    bad = check(raw(participant_id=DROP, nik="6100014101900001"))
    assert bad.reason == "bad_nik" and "6100014101900001" not in bad.detail
    assert check(b"{not json").reason == "not_json"
    assert check(raw(participant_id=DROP, nik=NIK, region_code="99")).reason == "unknown_region"
