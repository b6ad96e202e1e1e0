"""EventPublisher's check of one line: what it would send, or why not (publishing itself: tests/integration)."""

import json
from datetime import datetime

import pytest

from services.common.producer import EventPublisher
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


def test_produce_pseudonymize_without_a_key_says_so_in_one_sentence(monkeypatch, capsys):
    from services.cli import main

    for name in ("UCJ_PSEUDONYM_KEY", "UCJ_PSEUDONYM_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["produce", "--pseudonymize", "-"]) == 1
    error = capsys.readouterr().err.strip()
    assert (
        error.startswith("ucj produce: no pseudonym key: set UCJ_PSEUDONYM_KEY or UCJ_PSEUDONYM_KEY_FILE")
        and "\n" not in error
    )


def test_produce_help_names_the_key(capsys):
    from services.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["produce", "--help"])
    out = capsys.readouterr().out
    assert "--pseudonymize" in out and "UCJ_PSEUDONYM_KEY " in out and "UCJ_PSEUDONYM_KEY_FILE" in out
