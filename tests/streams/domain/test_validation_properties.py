"""Properties of validation over any input: it never raises, and whatever it accepts folds.

The fold, the daily history and the lapse cliff do date arithmetic (the day before a lapse,
the day after a span, 60 days ahead); the worker also stores each history with the codec.
An accepted event must survive all of them, on every day around its dates.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from streams.codec import decode_state, encode_state
from streams.domain.cliff import cliff_on
from streams.domain.events import ParticipantEvent, to_wire
from streams.domain.fold import GRACE_DAYS, History, apply, contribution_on, fold, standing_on
from streams.domain.history import DailyActive, active_spans
from streams.domain.nik import contains_nik
from streams.domain.validation import EARLIEST_DATE, LATEST_DATE, MAX_TEXT_LENGTH, PARSE_REASONS, Rejected, parse_event

from .factories import DROP, NOW_TEXT, wire
from .strategies import formatted, json_values, niks

NOW = datetime.fromisoformat(NOW_TEXT)
REGIONS = {"61", "61.07", "61.07.01", "61.07.01.2001"}
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
    "extra",
    "nik",
)
DAYS_AROUND = (-GRACE_DAYS - 1, -61, -1, 0, 1, 60, GRACE_DAYS + 1)

offsets = st.integers(-1439, 1439).map(lambda minutes: timezone(timedelta(minutes=minutes)))
near_the_bounds = st.dates(EARLIEST_DATE - timedelta(days=3), EARLIEST_DATE + timedelta(days=3)) | st.dates(
    LATEST_DATE - timedelta(days=3), LATEST_DATE + timedelta(days=3)
)
dates = (st.dates() | near_the_bounds | st.dates(date(2024, 1, 1), date(2026, 12, 31))).map(date.isoformat)
moments = (
    st.datetimes(timezones=offsets)
    | st.datetimes(datetime(2025, 1, 1), datetime(2025, 6, 15), timezones=offsets)
    | near_the_bounds.flatmap(
        lambda day: offsets.map(lambda tz: datetime(day.year, day.month, day.day, 23, 59, tzinfo=tz))
    )
).map(datetime.isoformat)
long_texts = st.integers(MAX_TEXT_LENGTH - 2, MAX_TEXT_LENGTH + 2).map(lambda n: "x" * n) | st.text(
    min_size=100, max_size=300
)
values = (
    dates
    | moments
    | long_texts
    | json_values()
    | st.integers(-(10**13), 10**13)
    | st.sampled_from(
        ("APBD-61", "APBD-61.07", "APBDES-61.07.01.2001", "CSR-PT Sawit", "APBD-99", "enrollment", "lapse", "BPU")
    )
    | st.just(DROP)
)
mutations = st.lists(st.tuples(st.sampled_from(FIELDS), values), min_size=1, max_size=3)


@st.composite
def mutated_events(draw, participant_id: str = "P-0001") -> bytes:
    """A valid event of any type with one to three fields replaced by odd values, or dropped."""
    event = wire(draw(st.sampled_from(("enrollment", "assistance_payment", "lapse"))), participant_id=participant_id)
    event["event_id"] = draw(st.sampled_from(("a", "b", "c", "d")))
    for name, value in draw(mutations):
        event[name] = value
    return json.dumps({k: v for k, v in event.items() if v is not DROP}).encode()


def parsed(data: bytes) -> ParticipantEvent | Rejected:
    result = parse_event(data, REGIONS, NOW)
    assert isinstance(result, ParticipantEvent) or result.reason in PARSE_REASONS, result
    return result


def assert_folds(events: list[ParticipantEvent]) -> None:
    """Every step the worker takes with a participant's accepted events, on every day around their dates."""
    for participant_id in {e.participant_id for e in events}:
        history = History()
        for event in events:
            if event.participant_id == participant_id:
                history = apply(history, event)
        assert decode_state(encode_state(3, history)) == (3, history)
        coverage = fold(history)
        spans = active_spans(coverage)
        days = sorted(
            {day + timedelta(days=shift) for e in history.events for day in _dates(e) for shift in DAYS_AROUND}
        )
        for day in days:
            standing_on(coverage, day)
            contribution_on(coverage, day)
            cliff_on(coverage, day, spans)
        daily = DailyActive()
        daily.move((), (), [coverage.region_code], spans)
        daily.counts(coverage.region_code, days[0], days[-1])


def _dates(event: ParticipantEvent) -> list[date]:
    found = [value for value in (getattr(event, name) for name in event.__dataclass_fields__) if type(value) is date]
    return [event.occurred_at.date(), *found]


def assert_holds_no_nik(data: bytes, event: ParticipantEvent) -> None:
    assert not contains_nik(data.decode("utf-8"))
    for value in to_wire(event).values():
        assert not (isinstance(value, str) and contains_nik(value)), value


@given(st.binary(max_size=400))
def test_any_bytes_are_parsed_or_rejected(data):
    parsed(data)


@given(json_values())
def test_any_json_is_parsed_or_rejected(value):
    parsed(json.dumps(value).encode())


@given(st.integers(1, 20_000), st.sampled_from(("[", '{"a":', '{"schema":[')))
def test_any_nesting_is_parsed_or_rejected(depth, opening):
    parsed((opening * depth).encode())


@given(st.lists(mutated_events(), min_size=1, max_size=4) | st.lists(mutated_events("P-0002"), max_size=2))
def test_whatever_is_accepted_folds_on_every_day_around_its_dates(inputs):
    accepted = []
    for data in inputs:
        result = parsed(data)
        if isinstance(result, ParticipantEvent):
            assert_holds_no_nik(data, result)
            accepted.append(result)
    assert_folds(accepted)


@st.composite
def inputs_carrying_a_nik(draw) -> tuple[str, bytes]:
    """A mutated event with a NIK, typed as people do, in some string, key or number of it."""
    nik = draw(niks())
    text = f"id {draw(formatted(nik))} x"
    event = json.loads(draw(mutated_events()))
    place = draw(st.sampled_from(("value", "key", "nested", "number")))
    field = draw(st.sampled_from(FIELDS))
    if place == "value":
        event[field] = text
    elif place == "key":
        event[text] = 1
    elif place == "nested":
        event[field] = {"people": [{"name": "x", "id": text}]}
    else:
        event[field] = int(nik)
    return nik, json.dumps(event, ensure_ascii=draw(st.booleans())).encode()


@given(inputs_carrying_a_nik())
def test_an_input_carrying_a_nik_is_rejected_and_the_detail_does_not_show_it(case):
    nik, data = case
    result = parsed(data)
    assert isinstance(result, Rejected), result
    assert not contains_nik(result.detail)
    assert nik not in "".join(char for char in result.detail if char.isdigit())
