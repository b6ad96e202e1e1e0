"""Pseudonyms are stable per key, differ between keys, and never look like a NIK."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.domain.nik import contains_nik
from streams.domain.pseudonym import MIN_KEY_BYTES, PREFIX, Pseudonymizer, is_pseudonym
from tests.streams.domain.strategies import niks

keys = st.binary(min_size=MIN_KEY_BYTES, max_size=64)


@given(keys, keys, niks())
def test_same_key_same_id_other_key_other_id(key, other_key, nik):
    first = Pseudonymizer(key).participant_id(nik)
    assert first == Pseudonymizer(key).participant_id(nik)
    assert first.startswith(PREFIX) and len(first) == len(PREFIX) + 32
    assert not contains_nik(first) and nik not in first
    if other_key != key:
        assert Pseudonymizer(other_key).participant_id(nik) != first


def test_short_keys_and_malformed_niks_are_refused():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Pseudonymizer(b"short")
    with pytest.raises(ValueError, match="province"):
        Pseudonymizer(b"k" * 32).participant_id("9971014101900001")
    assert "k" * 32 not in repr(Pseudonymizer(b"k" * 32))


@given(keys, niks(), st.text(max_size=40))
def test_every_pseudonym_made_has_the_exact_form_the_gateway_takes(key, nik, text):
    made = Pseudonymizer(key).participant_id(nik)
    assert is_pseudonym(made)
    assert not is_pseudonym(made + text[:1]) or not text
    assert is_pseudonym(text) == (
        len(text) == len(made) and text.startswith(PREFIX) and set(text[4:]) <= set("abcdefghijklmnopqrstuvwxyz234567")
    )
