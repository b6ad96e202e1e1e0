"""NIKs are recognised in any formatting, wherever they hide, and masked completely.

The false-positive rate over realistic values that are not NIKs is measured here too
(`test_the_false_positive_rate_is_what_the_readme_says`); print the table with
    .venv/bin/python -m tests.streams.domain.test_nik
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import example, given
from hypothesis import strategies as st

from services.registry.seed import seed_regions
from streams.dead_letter import dead_letter
from streams.domain.nik import contains_nik, mask_nik_bytes, mask_niks, nik_problem, nik_spans, normalize_nik
from streams.domain.regions import RegionTree
from streams.domain.validation import Rejected, parse_event
from tests.streams.domain import validation_oracle
from tests.streams.domain.factories import wire
from tests.streams.domain.strategies import formatted, niks

NIK = "6171014101900001"


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


@given(niks(), st.text("0123456789", min_size=1, max_size=4), st.integers(1, 9))
def test_a_nik_glued_to_more_digits_at_one_end_is_found(nik, digits, group):
    for text in (nik + digits, digits + nik, f"{group} {nik}", f"{nik} {group}", f"{digits}{nik} {group}"):
        assert contains_nik(text), text
        assert not contains_nik(mask_niks(text)) and not shows(nik, mask_niks(text)), text


def test_the_cases_of_the_review_are_found():
    """Each spelling the review of issue 21 got past the detector."""
    for text in [
        "".join(chr(0xFF10 + int(digit)) for digit in NIK),  # fullwidth
        "".join(chr(0x0660 + int(digit)) for digit in NIK),  # Arabic-Indic
        "".join(chr(0x06F0 + int(digit)) for digit in NIK),  # extended Arabic-Indic (Persian)
        "".join(chr(0x0966 + int(digit)) for digit in NIK),  # Devanagari
        "6171,0141,0190,0001",
        "6171|0141|0190|0001",
        "6171 | 0141 | 0190 | 0001",
        "6171\u00a00141\u00a00190\u00a00001",  # no-break space
        "6171\u20090141\u202f0190\u30000001",  # thin, narrow no-break and ideographic spaces
        "6171\u200b0141\u200b0190\u200b0001",  # zero-width space
        "6171    0141        0190    0001",  # runs of 4 and more spaces
        "6171\t\t0141\n0190\r\n0001",
        NIK + "01",  # a NIK and a suffix
        "00" + NIK,  # zero padding
        "\uff16\uff11\uff17\uff11\uff0e0141\uff0e0190\uff0e0001",  # fullwidth digits and full stops
        "6171\u20130141\u20130190\u20130001",  # en dashes
        "".join(f"\\u{ord(digit):04x}" for digit in NIK),  # JSON escapes, as text
        "".join(f"\\x{ord(digit):02x}" for digit in NIK),  # Python escapes, as text
        json.dumps("".join(chr(0x1D7CE + int(digit)) for digit in NIK)),  # mathematical digits, JSON surrogate pairs
        "\u2465" + NIK[1:],  # a circled digit (NFKC: 6)
    ]:
        assert contains_nik(text), ascii(text)
        assert shows(NIK, text)
        masked = mask_niks(text)
        assert not contains_nik(masked) and not shows(NIK, masked), ascii(masked)
        assert not shows(NIK, mask_nik_bytes(text.encode()).decode("utf-8"))


def test_masking_keeps_everything_but_the_digits_where_it_was():
    text = "a\u00a0\uff16\uff11\uff17\uff11\u00a00141 0190 0001\u00e9 \u2460 x"
    assert mask_niks(text) == "a\u00a0****\u00a0**** **** ****\u00e9 \u2460 x"
    assert mask_nik_bytes(text.encode()) == "a\u00a0************\u00a0**** **** ****\u00e9 \u2460 x".encode()
    escaped = 'id "\\u0036\\u0031\\u00371' + NIK[4:] + '" \\u00e9'
    assert mask_niks(escaped) == 'id "' + "*" * 18 + "*" * 13 + '" \\u00e9'
    # NFKC makes "\u2474" (parenthesised 1) three characters: positions stay those of the original
    assert mask_niks("\u2474 " + NIK + " \u2474") == "\u2474 " + "*" * 16 + " \u2474"
    # bytes that are not UTF-8 count as separators: a latin-1 no-break space, UTF-16
    assert mask_nik_bytes(b"6171\xa00141\xa00190\xa00001\xe9") == b"****\xa0****\xa0****\xa0****\xe9"
    assert mask_nik_bytes(NIK.encode("utf-16-le")) == b"*\x00" * 16


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
        "1" + NIK + "1",  # the rule's limit: glued to digits at both ends, within one unbroken number
        "6171----0141----0190----0001",  # more than 3 punctuation marks: not typed inside a number
    ]:
        assert nik_spans(text) == [], text


def test_problems_say_which_part_is_wrong():
    assert "16 digits" in nik_problem("123")
    assert "province" in nik_problem("9971014101900001")
    assert "birth date" in nik_problem("6171017213900001")  # day 72 - 40 = 32
    assert nik_problem("6171016902000001") is None  # 29 February 2000, a woman (69 - 40)
    assert normalize_nik("6171-0169-0200-0001") == "6171016902000001"
    assert normalize_nik("61710169020000011") is None
    assert normalize_nik("\uff16\uff11\uff17\uff11\u00a00169 0200|0001") == "6171016902000001"


pieces = st.sampled_from(
    [
        "0",
        "1",
        "6171",
        "01",
        " ",
        ".",
        "-",
        "/",
        ":",
        "\t",
        "_",
        "|",
        ",",
        "a",
        '"',
        "\\",
        "\\u0036",
        "\\x31",
        "u0030",
        "\u0666",
        "\ud800",
        "\u00e9",
        "\u00a0",
        "\u3000",
        "\u200b",
        "\uff11",
        "\u0967",
        "\u2474",
        "\u2013",
        "\udcff",
    ]
)


@given(
    st.lists(pieces | niks() | niks().flatmap(formatted) | niks().flatmap(lambda nik: spelled(nik)), max_size=12).map(
        "".join
    )
)
@example("NIK 6171\t0141\t0190\t0001:")  # every separator counts, the tab too
@example("61:71:01:41:01:90:00:01")
def test_the_first_look_never_misses_a_nik_and_masking_leaves_none(text):
    # contains_nik looks for 16 digits and separators in a row before it asks nik_spans
    assert contains_nik(text) == bool(nik_spans(text))
    assert not nik_spans(mask_niks(text))
    assert not nik_spans(mask_nik_bytes(text.encode("utf-8", "surrogatepass")).decode("utf-8", "surrogateescape"))


# --- any NIK, in any spelling, anywhere in an event -----------------------------------------

SCRIPTS = (
    0x30,
    0xFF10,
    0x0660,
    0x06F0,
    0x0966,
    0x0E50,
    0x1D7CE,
)  # ASCII, fullwidth, Arabic-Indic, Persian, Devanagari, Thai, bold
SEPARATORS = (
    ".",
    " ",
    "-",
    "_",
    "/",
    ":",
    "|",
    ",",
    "\t",
    " - ",
    " | ",
    ", ",
    "    ",
    "      ",
    "\u00a0",
    "\u2009",
    "\u202f",
    "\u3000",
    "\u200b",
    "\uff0e",
    "\u2013",
    "\u00a0-\u00a0",
)


@st.composite
def spelled(draw, nik: str) -> str:
    """The NIK as people type it: any script's digits (mixed, too), any separators, digits glued to one end."""
    mixed = draw(st.booleans())
    script = draw(st.sampled_from(SCRIPTS))
    digits = [chr((draw(st.sampled_from(SCRIPTS)) if mixed else script) + int(digit)) for digit in nik]
    cuts = set(draw(st.sets(st.integers(1, 15), max_size=6)))
    out = "".join(
        (draw(st.sampled_from(SEPARATORS)) if index in cuts else "") + digit for index, digit in enumerate(digits)
    )
    glued = draw(st.text("0123456789", min_size=1, max_size=3))
    return draw(st.sampled_from([out, out + glued, glued + out]))


def escaped(text: str, how: str) -> str:
    """`text` as a JSON string literal: plain, with its digits (and all but ASCII) escaped, or
    with such escapes as text inside the value ("\\\\u0036", two levels)."""
    if how == "plain":
        return json.dumps(text, ensure_ascii=False)
    inner = "".join(f"\\u{ord(char):04x}" if "0" <= char <= "9" else json.dumps(char)[1:-1] for char in text)
    return f'"{inner}"' if how == "escapes" else json.dumps(inner)


REGIONS = RegionTree.from_regions(seed_regions())
NOW = datetime.fromisoformat("2025-06-15T12:00:00+07:00")
STRING_FIELDS = (
    "participant_id",
    "event_id",
    "region_code",
    "source",
    "segment",
    "occurred_at",
    "paid_through",
    "remarks",
)


@st.composite
def events_with_a_nik(draw) -> tuple[str, bytes, bytes, str, str]:
    """(the NIK, the Kafka key, the raw event, the string holding the NIK as decoded, how it is
    escaped) with the NIK spelled somewhere in the event."""
    nik = draw(niks())
    text = (
        draw(st.sampled_from(["", "NIK ", "id-", "P-"])) + draw(spelled(nik)) + draw(st.sampled_from(["", " x", "-a"]))
    )
    how = draw(st.sampled_from(["plain", "escapes", "escapes as text"]))
    literal = escaped(text, how)
    event = wire(draw(st.sampled_from(["enrollment", "assistance_payment", "lapse"])))
    place = draw(st.sampled_from(("value", "key", "nested")))
    marker = "\0marker\0"
    if place == "value":
        event[draw(st.sampled_from(STRING_FIELDS))] = marker
    elif place == "key":
        event[marker] = 1
    else:
        event["remarks"] = {"people": [{"id": marker}]}
    raw = json.dumps(event, ensure_ascii=False).replace(json.dumps(marker), literal).encode()
    key = (json.loads(raw).get("participant_id") or "P-0001").encode("utf-8", "surrogatepass")
    return nik, key, raw, json.loads(literal), how


def digits_of(text: str) -> str:
    return "".join(str(unicodedata.decimal(char)) for char in unicodedata.normalize("NFKC", text) if char.isdecimal())


_ESCAPES = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}")


def _unescaped(text: str) -> str:
    def one(match: re.Match) -> str:
        escape = match.group()
        if len(escape) == 12:
            return chr(0x10000 + ((int(escape[2:6], 16) - 0xD800) << 10) + int(escape[8:], 16) - 0xDC00)
        return chr(int(escape[2:], 16))

    return _ESCAPES.sub(one, text.replace("\\\\", "\\"))


def shows(nik: str, text: str) -> bool:
    """Whether the NIK's digits can be read in `text`, in any digits, through up to two levels of escapes."""
    views = [text, _unescaped(text), _unescaped(_unescaped(text))]
    return any(nik in digits_of(view) for view in views)


@given(events_with_a_nik())
def test_a_nik_in_any_spelling_anywhere_is_rejected_and_kept_nowhere(case):
    nik, key, raw, value, how = case
    result = parse_event(raw, REGIONS, NOW)
    assert isinstance(result, Rejected) and result.reason == "raw_nik", (raw, result)
    assert not shows(nik, result.detail)
    letter = dead_letter(key, raw, result.reason, result.detail, "ucj.participant-events/0/1", 1_000_000)
    for data in (letter.key, letter.value, *letter.headers.values()):
        assert not shows(nik, data.decode("utf-8", "replace")), data
    assert not shows(nik, mask_niks(value)) and not shows(nik, mask_niks(key.decode("utf-8", "surrogatepass")))
    if how != "escapes as text":  # mask_niks reads one level of escapes; the dead letter decodes the JSON too
        assert not shows(nik, mask_niks(raw.decode("utf-8")))
        assert not shows(nik, mask_nik_bytes(raw).decode("utf-8", "replace"))


# --- the false-positive rate ----------------------------------------------------------------

README_IDS = [  # every id and code the README shows in an event
    "P-7f3a9c1e",
    "bpjs-2025-000123",
    "apbd61-2025-b1-00042",
    "bpjs-2025-lapse-881",
    "desa-2001-2026-0001",
    "desa-2001-2026-0002",
    "bpjs-enrollment",
    "pemprov-assistance",
    "APBD-61",
    "APBD-61.07",
    "61.07.01.2001",
    "61.01.01.2001",
    "2025-03-03T09:15:00+07:00",
    "2026-06-01T09:00:00+07:00",
    "2025-06-02",
    "sim-42-1234567",
]


def corpus(count: int = 2000, seed: int = 21) -> dict[str, list[str]]:
    """Realistic values that are not NIKs, by kind (seeded: the rates are reproducible)."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    moments = [
        start + timedelta(seconds=rng.randrange(15 * 365 * 86400), microseconds=rng.randrange(10**6))
        for _ in range(count)
    ]

    def digits(length: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(length))

    def phone() -> str:
        number = "8" + rng.choice("1235789") + digits(rng.randint(8, 10))
        return rng.choice(
            [
                f"+62{number}",
                f"0{number}",
                f"+62 {number[:3]}-{number[3:7]}-{number[7:]}",
                f"0{number[:3]} {number[3:7]} {number[7:]}",
            ]
        )

    def amount() -> str:
        text = rng.choice(["{:,}", "Rp {:,}", "{}", "{:,}.00"]).format(rng.randrange(10**12))
        return text.replace(",", ".") if rng.random() < 0.5 and ".00" not in text else text

    return {
        "README ids and codes": README_IDS,
        "pseudonyms pn1_": [
            "pn1_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(32)) for _ in range(count)
        ],
        "UUIDs": [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)],
        "ISO timestamps": [moment.astimezone(timezone(timedelta(hours=7))).isoformat() for moment in moments],
        "ISO dates": [moment.date().isoformat() for moment in moments],
        "phone numbers +62": [phone() for _ in range(count)],
        "BPJS card numbers (13 digits)": [digits(13) for _ in range(count)],
        "amounts": [amount() for _ in range(count)],
        "event ids: source, date, serial": [
            f"{rng.choice(['bpjs', 'desa', 'apbd'])}-{m.date().isoformat()}-{rng.randrange(10**6):06d}" for m in moments
        ],
        "epoch seconds and ms (10, 13 digits)": [str(int(m.timestamp() * rng.choice([1, 1000]))) for m in moments],
        "timestamps with a space and µs": [m.strftime("%Y-%m-%d %H:%M:%S.%f") for m in moments],
        "epoch µs (16 digits)": [str(int(m.timestamp() * 10**6)) for m in moments],
        "epoch ns (19 digits)": [str(int(m.timestamp() * 10**6) * 1000 + rng.randrange(1000)) for m in moments],
        "random 20-digit numbers": [digits(20) for _ in range(count)],
    }


def false_positive_rates() -> dict[str, float]:
    return {kind: sum(map(contains_nik, values)) / len(values) for kind, values in corpus().items()}


# The README ("No NIK, anywhere") states these; the last four are long numbers, where some
# 16 digits of a date and a time, or of random digits, happen to form a NIK.
STATED = {
    "README ids and codes": 0.0,
    "pseudonyms pn1_": 0.0,
    "UUIDs": 0.0,
    "ISO timestamps": 0.0,
    "ISO dates": 0.0,
    "phone numbers +62": 0.0,
    "BPJS card numbers (13 digits)": 0.0,
    "amounts": 0.0,
    "event ids: source, date, serial": 0.0,
    "epoch seconds and ms (10, 13 digits)": 0.0,
    "timestamps with a space and µs": 0.03,
    "epoch µs (16 digits)": 0.08,
    "epoch ns (19 digits)": 0.10,
    "random 20-digit numbers": 0.06,
}


def test_the_false_positive_rate_is_what_the_readme_says():
    rates = false_positive_rates()
    assert rates.keys() == STATED.keys()
    for kind, rate in rates.items():
        assert abs(rate - STATED[kind]) <= 0.01, (kind, rate)


if __name__ == "__main__":
    for kind, rate in false_positive_rates().items():
        print(f"{kind:40s} {rate:7.2%}")


@given(
    st.lists(pieces | niks() | niks().flatmap(formatted) | niks().flatmap(lambda nik: spelled(nik)), max_size=12).map(
        "".join
    )
)
@example("1" + NIK + "1 " + NIK + "01")
def test_the_detector_agrees_with_the_oracle_written_again_from_its_rules(text):
    assert contains_nik(text) == validation_oracle.contains_nik(text)
    assert mask_niks(text) == validation_oracle.mask_niks(text)
