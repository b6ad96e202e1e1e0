import json

from hypothesis import given
from hypothesis import strategies as st

from streams.dead_letter import TRUNCATED, dead_letter
from streams.domain.nik import contains_nik

NIK = "6171014101900001"
LIMIT = 1_000_000  # faust's default producer_max_request_size


def letter(key=b"P-1", value=b"{}", detail="", limit=LIMIT):
    return dead_letter(key, value, "not_json", detail, "ucj.participant-events/3/42", limit)


def size(d) -> int:
    return len(d.key or b"") + len(d.value or b"") + sum(len(k) + len(v) for k, v in d.headers.items())


def test_the_original_bytes_are_kept_with_the_reason():
    d = letter(b"P-1", b'{"type": "x"\xff\x00')
    assert (d.key, d.value) == (b"P-1", b'{"type": "x"\xff\x00')
    assert d.headers == {"ucj-reason": b"not_json", "ucj-detail": b"", "ucj-source": b"ucj.participant-events/3/42"}


def test_nik_shaped_digits_are_masked_in_key_value_and_detail():
    formats = [NIK, "61.71.01.410190.0001", "6171 0141 0190 0001", "NIK-" + NIK]
    for text in formats:
        d = letter(
            text.encode(),
            f'{{"participant_id": "{text}"}}'.encode(),
            detail=f"participant_id {text!r} looks like a NIK",
        )
        for data in (d.key, d.value, *d.headers.values()):
            assert not contains_nik(data.decode("latin-1")), (text, data)
        assert d.key == text.encode().translate(bytes.maketrans(b"0123456789", b"*" * 10))


def test_a_nik_in_other_digits_or_separators_is_masked_byte_for_byte():
    fullwidth = "".join(chr(0xFF10 + int(digit)) for digit in NIK)
    for text in (fullwidth, "6171\u00a00141\u00a00190\u00a00001", "6171|0141|0190|0001", NIK + "01"):
        d = letter(text.encode(), f'{{"participant_id": "{text}", "n": 1}}'.encode())
        assert d.key == b"*" * len(text.encode()) or d.key == text.encode().translate(
            bytes.maketrans(b"0123456789", b"*" * 10)
        )
        assert d.value == f'{{"participant_id": "{d.key.decode()}", "n": 1}}'.encode()  # the rest as it was


def test_a_nik_written_as_json_escapes_is_masked_in_the_stored_value():
    escapes = "".join(f"\\u{ord(digit):04x}" for digit in NIK)
    d = letter(b"P-1", f'{{"participant_id": "{escapes}", "n": 1}}'.encode())
    assert d.value == b'{"participant_id": "' + b"*" * 96 + b'", "n": 1}'
    # escaped twice: the value holds the text "\u0036...", so the stored value is its masked re-encoding
    twice = '{"participant_id": %s, "amount": 1.50, "p": [null, "a\\ud800"]}' % json.dumps(escapes)
    d = letter(b"P-1", twice.encode())
    assert json.loads(d.value) == {"participant_id": "*" * 96, "amount": 1.5, "p": [None, "a\ud800"]}
    assert b"1.50" in d.value  # numbers as written
    assert NIK not in json.loads(d.value)["participant_id"]


def test_an_empty_key_and_a_null_value_stay_absent():
    d = letter(None, None)
    assert (d.key, d.value) == (None, None) and TRUNCATED not in d.headers


def test_a_copy_too_large_for_one_record_is_cut_and_says_so():
    value = b"[" * 1_040_000  # as large as the broker accepts, over the producer's limit with headers
    d = letter(b"k", value)
    assert size(d) < LIMIT - 1000 and value.startswith(d.value) and d.key == b"k"
    assert (
        d.headers[TRUNCATED]
        == f"the input was 1 key and 1040000 value bytes; the first 1 and {len(d.value)} are kept".encode()
    )
    assert letter(b"k", b"[" * 900_000).value == b"[" * 900_000  # a 900 KB input is kept whole


def test_a_lone_surrogate_in_the_detail_does_not_break_the_header():
    assert letter(detail="type '\ud800'").headers["ucj-detail"] == b"type '\\ud800'"


FORMATS = [
    NIK,
    "61.71.01.410190.0001",
    "6171 0141 0190 0001",
    "NIK-" + NIK,
    "3273-0107-8001-0002",
    NIK + "01",
    "".join(chr(0xFF10 + int(digit)) for digit in NIK),
    "".join(chr(0x0660 + int(digit)) for digit in NIK),
    "6171\u00a00141|0190,0001",
    "".join(f"\\u{ord(digit):04x}" for digit in NIK),
]
# bytes with NIKs in several formats among arbitrary bytes and digits
with_niks = st.lists(
    st.one_of(
        st.binary(max_size=40), st.sampled_from(FORMATS).map(str.encode), st.sampled_from([b"1", b"-", b" ", b"."])
    ),
    max_size=80,
).map(b"".join)


@given(
    st.one_of(st.none(), with_niks),
    st.one_of(st.none(), with_niks),
    with_niks.map(lambda b: b.decode("latin-1")),
    st.integers(6000, 9000),
)  # above the 4 KiB of framing and the headers' ~1.2 KB
def test_a_dead_letter_fits_its_limit_holds_no_nik_and_keeps_a_prefix(key, value, detail, limit):
    d = letter(key, value, detail, limit)
    assert size(d) <= limit - 4096
    for data in (d.key or b"", d.value or b"", *d.headers.values()):
        assert not contains_nik(data.decode("latin-1")) and not contains_nik(data.decode("utf-8", "replace"))
    masked = letter(key, value, detail, limit=10**9)  # room for everything
    assert kept_from(d.key, masked.key) and kept_from(d.value, masked.value)
    assert (TRUNCATED in d.headers) == ((d.key, d.value) != (masked.key, masked.value))


def kept_from(cut: bytes | None, whole: bytes | None) -> bool:
    """`cut` is a prefix of `whole`, up to bytes the cut masked (a cut number can look like a NIK;
    a digit of another script is several bytes, and bytes that are not UTF-8 count as separators)."""
    cut, whole = cut or b"", whole or b""
    return len(cut) <= len(whole) and all(a == b or a == ord("*") for a, b in zip(cut, whole))


def test_a_cut_that_leaves_sixteen_digits_of_a_longer_number_masks_them():
    value = b"x" * 5000 + NIK.encode() + b"9" * 10
    limit = next(n for n in range(20_000, 0, -1) if len(letter(b"k", value, limit=n).value) == 5016)
    d = letter(b"k", value, limit=limit)
    assert TRUNCATED in d.headers and d.value == b"x" * 5000 + b"*" * 16
