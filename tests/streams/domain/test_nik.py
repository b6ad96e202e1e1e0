"""NIKs are recognised in any formatting, wherever they hide, and masked completely."""
from hypothesis import example, given
from hypothesis import strategies as st

from streams.domain.nik import contains_nik, mask_nik_bytes, mask_niks, nik_problem, nik_spans, normalize_nik
from tests.streams.domain.strategies import formatted, niks


@given(st.data())
def test_a_formatted_nik_is_found_normalised_and_masked_wherever_it_is(data):
    nik = data.draw(niks())
    text = data.draw(formatted(nik))
    prefix = data.draw(st.sampled_from(["", "NIK:", "nik-", "P-", "id ", "worker "]))
    suffix = data.draw(st.sampled_from(["", "x", "-a", " done"]))
    assert nik_problem(nik) is None
    assert normalize_nik(text) == nik
    hidden = prefix + text + suffix
    assert contains_nik(hidden)
    masked = mask_niks(hidden)
    assert not contains_nik(masked) and masked.count("*") == 16 and len(masked) == len(hidden)
    assert mask_nik_bytes(hidden.encode()) == masked.encode()


@given(niks(), st.integers(0, 9), st.integers(1, 9))
def test_longer_numbers_are_not_niks(nik, digit, group):
    assert not contains_nik(nik + str(digit))  # 17 digits in one group
    assert contains_nik(f"{group} {nik}")  # a NIK after another number is still found


def test_ordinary_ids_are_not_niks():
    for text in [
        "20261201123456789012",  # a 20-digit timestamp id
        "12345678-1234-1234-1234-123456789abc",
        "sim-42-1234567",
        "desa-61.07.01.2001",
        "2026-06-30T12:00:00+07:00",
        "6171010000000000",  # serial 0000, day 00
        "9971014101900001",  # no province 99
        "6100014101900001",  # regency 00
        "6171013102900001",  # 31 February
    ]:
        assert nik_spans(text) == [], text


def test_problems_say_which_part_is_wrong():
    assert "16 digits" in nik_problem("123")
    assert "province" in nik_problem("9971014101900001")
    assert "birth date" in nik_problem("6171017213900001")  # day 72 - 40 = 32
    assert nik_problem("6171016902000001") is None  # 29 February 2000, a woman (69 - 40)
    assert normalize_nik("6171-0169-0200-0001") == "6171016902000001"
    assert normalize_nik("61710169020000011") is None


pieces = st.sampled_from(["0", "1", "6171", "01", " ", ".", "-", "/", ":", "\t", "_", "a", '"', "\u0666", "\ud800", "\u00e9"])


@given(st.lists(pieces | niks() | niks().flatmap(formatted), max_size=12).map("".join))
@example("NIK 6171\t0141\t0190\t0001:")  # every separator counts, the tab too
@example("61:71:01:41:01:90:00:01")
def test_the_first_look_never_misses_a_nik(text):
    # contains_nik looks for 16 digits and separators in a row before it asks nik_spans
    assert contains_nik(text) == bool(nik_spans(text))
