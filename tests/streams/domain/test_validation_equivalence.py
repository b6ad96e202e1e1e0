"""parse_event decides every input as it did before msgspec: the same event, or the same reason and detail.

The oracle is validation_oracle.py, a frozen copy of the validation before its fast path. The
inputs are the simulator's events (faults included), those events mutated field by field and
byte by byte (dropped, retyped, duplicated keys, escapes, odd JSON), and arbitrary bytes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from itertools import islice

from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.dev.simulation import generate_events
from services.registry.seed import seed_regions
from streams.domain.events import LAPSE_REASONS, PONTIANAK, SCHEMA, SEGMENTS, ParticipantEvent
from streams.domain.regions import RegionTree
from streams.domain.validation import (
    EARLIEST_DATE,
    FUTURE_TOLERANCE,
    LATEST_DATE,
    MAX_AMOUNT_IDR,
    MAX_TEXT_LENGTH,
    parse_event,
)

from . import validation_oracle
from .factories import DROP, NIK, raw, wire
from .strategies import formatted, json_values, niks

NOW = datetime.fromisoformat("2026-06-30T12:00:00+07:00")
REGIONS = RegionTree.from_regions(seed_regions())
FIELDS = (
    "schema",
    "event_id",
    "type",
    "occurred_at",
    "participant_id",
    "region_code",
    "segment",
    "source",
    "covered_from",
    "paid_through",
    "payer_id",
    "period_start",
    "period_end",
    "amount_idr",
    "reason",
    "effective_date",
    "nik",
    "remarks",
)


@lru_cache(maxsize=1)
def simulated() -> tuple[bytes, ...]:
    """A few thousand events of the simulator, its deliberately invalid ones among them."""
    records = generate_events(participants=400, seed=11, start=date(2024, 1, 1), end=NOW.date(), now=NOW)
    return tuple(record.value for record in islice(records, 3000))


def outcome(result) -> tuple:
    if isinstance(result, ParticipantEvent):
        return ("accepted", type(result), result)
    return (result.reason, result.detail)


def assert_same_decision(data: bytes) -> None:
    assert outcome(parse_event(data, REGIONS, NOW)) == outcome(validation_oracle.parse_event(data, REGIONS, NOW))


def test_every_simulated_event_is_decided_as_before():
    for data in simulated():
        assert_same_decision(data)


simulated_events = st.deferred(lambda: st.sampled_from(simulated()))
offsets = st.integers(-1439, 1439).map(lambda minutes: timezone(timedelta(minutes=minutes)))
# around NOW + FUTURE_TOLERANCE, and around the first and last moments of EARLIEST_DATE..LATEST_DATE in Pontianak
moments = (
    st.one_of(
        st.integers(-600, 600).map(lambda seconds: NOW + FUTURE_TOLERANCE + timedelta(seconds=seconds)),
        st.sampled_from((EARLIEST_DATE, LATEST_DATE + timedelta(days=1))).flatmap(
            lambda day: st.integers(-2 * 86400, 2 * 86400).map(
                lambda s: datetime.combine(day, time(), PONTIANAK) + timedelta(seconds=s)
            )
        ),
        st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31), timezones=offsets),  # room to change the offset
    )
    .flatmap(lambda moment: offsets.map(moment.astimezone) | st.just(moment.replace(tzinfo=None)))
    .map(datetime.isoformat)
)
dates = st.one_of(
    st.dates(EARLIEST_DATE - timedelta(days=2), EARLIEST_DATE + timedelta(days=2)),
    st.dates(LATEST_DATE - timedelta(days=2), LATEST_DATE + timedelta(days=2)),
    st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    st.dates(),
).map(date.isoformat)
texts = st.text(max_size=20) | st.integers(MAX_TEXT_LENGTH - 1, MAX_TEXT_LENGTH + 1).map(lambda n: "x" * n)
ODD_TEXTS = (
    "",
    " ",
    "2025-02-30",
    "20250601",
    "2025-W22-1",
    "2025-06-01T09:00:00",
    "2025-06-01T09:00:00z",
    "2025-06-01t09:00:00Z",
    "2025-06-01 09:00:00+07:00",
    "2025-06-01T09:00:00.1234567+07:00",
    "2025-06-11 07:35:16.12345678+07:00",
    "APBD-61",
    "APBD-61.07",
    "APBD-99",
    "APBDES-61.07.01.2001",
    "APBDES-61.07.01",
    "CSR-PT Sawit",
    "CSR-",
    "CSR-" + "x" * 64,
    "enrollment",
    "lapse",
    "assistance_payment",
    "BPU",
    "PU",
    "XYZ",
    "deceased",
    "bored",
    SCHEMA,
    "ucj.participant-event/2",
    "61",
    "61.07",
    "61.07.01.2001",
    "61.99.99.9999",
    "-x",
    "s" * 64,
    "s" * 65,
    "e" * 128,
    "e" * 129,
    "P-\u00e9\U0001f600",
    NIK,
    f"id {NIK[:8]} {NIK[8:]}",
)
odd_values = json_values(texts) | st.sampled_from(ODD_TEXTS) | niks().flatmap(formatted).map(lambda nik: f"id {nik}")
FIELD_VALUES = {  # values near each field's bounds, besides any odd value
    "occurred_at": moments,
    **{name: dates for name in ("covered_from", "paid_through", "period_start", "period_end", "effective_date")},
    "amount_idr": st.sampled_from((0, -1, MAX_AMOUNT_IDR, MAX_AMOUNT_IDR + 1, 1.5, 201600.0, True, 10**30, "16800")),
    "payer_id": st.sampled_from([text for text in ODD_TEXTS if text.startswith(("APBD", "CSR"))])
    | texts.map("CSR-{}".format),
    "source": st.from_regex(r"[A-Za-z0-9._ -]{0,66}", fullmatch=True),
    "region_code": st.sampled_from(("61", "61.07", "61.07.01", "61.07.01.2001", "61.99", "62", "")),
    "schema": st.sampled_from((SCHEMA, "ucj.participant-event/2", SCHEMA.upper())),
    "segment": st.sampled_from(sorted(SEGMENTS) + ["pu", "XYZ"]),
    "reason": st.sampled_from(sorted(LAPSE_REASONS) + ["bored", "Deceased"]),
}
mutation = st.sampled_from(FIELDS).flatmap(
    lambda name: st.tuples(st.just(name), st.just(DROP) | FIELD_VALUES.get(name, st.nothing()) | odd_values)
)


@st.composite
def mutated_events(draw) -> bytes:
    """A simulated or hand-made event with fields dropped or replaced, written compactly or not."""
    try:
        event = json.loads(draw(simulated_events))
    except ValueError:  # one of the simulator's not_json faults
        event = None
    if not isinstance(event, dict):
        event = wire(draw(st.sampled_from(("enrollment", "assistance_payment", "lapse"))))
    for name, value in draw(st.lists(mutation, max_size=3)):
        if value is DROP:
            event.pop(name, None)
        else:
            event[name] = value
    separators = draw(st.sampled_from(((",", ":"), (", ", ": "), (" ,\n", " :\t"))))
    return json.dumps(event, separators=separators, ensure_ascii=draw(st.booleans()), allow_nan=True).encode()


@st.composite
def edited_bytes(draw) -> bytes:
    """A valid or mutated event with its bytes edited: a key repeated, an escape, a cut, a splice."""
    data = draw(simulated_events | mutated_events())
    edit = draw(st.sampled_from(("repeat", "escape", "cut", "splice", "insert", "wrap")))
    if edit == "repeat":  # the first key again, with the first key's value or another
        key_and_value = data[1 : data.find(b",", 1) + 1] or b'"a":1,'
        other = draw(st.sampled_from((key_and_value, b'"type":"lapse",', b'"event_id":"x",', b'"amount_idr":5,')))
        return data[:1] + other + data[1:]
    if edit == "escape":  # one character of a string written as \uXXXX (or an unpaired surrogate)
        index = data.find(b'":"', draw(st.integers(0, max(0, len(data) - 1)))) + 3
        if index < 3 or index >= len(data):
            return data
        char = draw(st.sampled_from((f"\\u{data[index]:04x}", "\\ud800", "\\/", "\\u0036")))
        return data[:index] + char.encode() + data[index + 1 :]
    if edit == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if edit == "splice":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(max_size=4)) + data[at:]
    if edit == "insert":  # odd JSON where a value or key goes
        index = data.find(b":") + 1 if draw(st.booleans()) else 1
        token = draw(
            st.sampled_from(
                (
                    b"NaN,",
                    b"Infinity,",
                    b"-Infinity,",
                    b"1e400,",
                    b'"x":1e400,',
                    b'"y":[],',
                    b'"z":{},',
                    b'"":0,',
                    b"\x00",
                    b" ",
                )
            )
        )
        return data[:index] + token + data[index:]
    wrapper = draw(st.sampled_from((b"[%s]", b"%s %s", b"\xef\xbb\xbf%s", b" %s\n", b'{"e":%s}')))
    return wrapper.replace(b"%s", data)


@st.composite
def events_near_a_bound(draw) -> bytes:
    """A valid event with one field set near its bounds, or to an odd text."""
    kind = draw(st.sampled_from(("enrollment", "assistance_payment", "lapse")))
    event = wire(kind, region_code="61.07.01.2001", occurred_at="2026-06-01T09:00:00+07:00")
    name = draw(st.sampled_from(sorted(event)))
    event[name] = draw(FIELD_VALUES.get(name, st.nothing()) | texts | st.sampled_from(ODD_TEXTS))
    return json.dumps(event).encode()


@settings(max_examples=300)
@given(events_near_a_bound())
def test_events_near_a_bound_are_decided_as_before(data):
    assert_same_decision(data)


@settings(max_examples=300)
@given(simulated_events | mutated_events() | edited_bytes())
@example(raw("assistance_payment", amount_idr=-0.0))
@example(raw(participant_id=NIK).replace(NIK.encode(), b"\\u0036" + NIK[1:].encode()))  # a NIK digit escaped
@example(b'{"schema":"ucj.participant-event/1","type":"lapse","type":"enrollment"}')
def test_mutated_events_are_decided_as_before(data):
    assert_same_decision(data)


@given(st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_arbitrary_bytes_are_decided_as_before(data):
    assert_same_decision(data)
