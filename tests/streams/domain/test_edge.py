import json
import re
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.edge import pseudonymize_fields
from streams.domain.nik import contains_nik
from streams.domain.pseudonym import Pseudonymizer
from streams.domain.validation import Rejected, parse_event

from .factories import DROP, NIK, NOW_TEXT, wire
from .strategies import formatted, niks

PSEUDONYMIZER = Pseudonymizer(b"k" * 32)
REGIONS = {"61", "61.07", "61.07.01", "61.07.01.2001"}


def with_nik(nik, **overrides) -> dict:
    return wire(participant_id=DROP, nik=nik, **overrides)


def test_the_nik_becomes_the_participant_id_in_its_place():
    obj = {"schema": "s", "nik": NIK, "type": "lapse"}
    assert pseudonymize_fields(obj, PSEUDONYMIZER) == {
        "schema": "s",
        "participant_id": PSEUDONYMIZER.participant_id(NIK),
        "type": "lapse",
    }
    assert list(pseudonymize_fields(obj, PSEUDONYMIZER)) == ["schema", "participant_id", "type"]


def test_without_a_nik_nothing_changes():
    obj = wire()
    assert pseudonymize_fields(obj, PSEUDONYMIZER) is obj
    assert pseudonymize_fields({**obj, "nik": None}, PSEUDONYMIZER) == obj  # null is an absent field


def test_a_null_participant_id_gives_way_to_the_nik():
    result = pseudonymize_fields({"participant_id": None, "nik": NIK}, PSEUDONYMIZER)
    assert result == {"participant_id": PSEUDONYMIZER.participant_id(NIK)}


def test_nik_and_participant_id_together_are_rejected():
    result = pseudonymize_fields(wire(nik=NIK), PSEUDONYMIZER)
    assert result == Rejected("nik_and_participant_id", "give nik or participant_id, not both")


def test_a_malformed_nik_is_rejected_without_its_digits():
    for bad in (
        "6100014101900001",
        "6171013201900001",
        "6171014101900000",
        "12345",
        "NIK 6171014101900001",
        "",
        6171014101900001,
    ):
        result = pseudonymize_fields(with_nik(bad), PSEUDONYMIZER)
        assert isinstance(result, Rejected) and result.reason == "bad_nik", (bad, result)
        digits = "".join(re.findall(r"[0-9]", str(bad)))
        assert digits == "" or digits not in result.detail.replace(" ", "")
        assert not contains_nik(result.detail)


def test_a_malformed_nik_in_other_digits_is_told_what_is_wrong_as_in_ascii():
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    for bad, problem in (("6171014101900000", "serial"), ("6171013201900001", "birth date")):
        result = pseudonymize_fields(with_nik(bad.translate(fullwidth)), PSEUDONYMIZER)
        assert result.reason == "bad_nik" and problem in result.detail
    assert pseudonymize_fields(with_nik("6171014101900001".translate(fullwidth)), PSEUDONYMIZER) == pseudonymize_fields(
        with_nik("6171014101900001"), PSEUDONYMIZER
    )


@given(niks().flatmap(lambda nik: st.tuples(st.just(nik), formatted(nik), st.sampled_from(("", " ")))))
def test_every_formatting_of_a_nik_gives_the_same_participant_and_publishes_no_nik(case):
    nik, text, padding = case
    obj = pseudonymize_fields(with_nik(padding + text + padding), PSEUDONYMIZER)
    assert obj["participant_id"] == PSEUDONYMIZER.participant_id(nik) and "nik" not in obj
    data = json.dumps(obj).encode()
    event = parse_event(data, REGIONS, datetime.fromisoformat(NOW_TEXT))
    assert not isinstance(event, Rejected), event
    assert not contains_nik(data.decode()) and nik not in data.decode()
