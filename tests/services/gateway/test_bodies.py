"""Request bodies split into events, each with its index and the line where it starts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.bodies import BodyError, TooManyEvents, decode, split_csv, split_json_array, split_json_lines
from streams.domain.events import SCHEMA
from tests.services.gateway.conftest import nik

# Text a spreadsheet or a JSON writer may hold: delimiters, quotes, newlines, non-ASCII.
_TEXT = st.text(
    st.characters(codec="utf-8", exclude_characters="\r\x00") | st.sampled_from(',;"\n '), min_size=1, max_size=12
).filter(str.strip)


@st.composite
def events(draw) -> dict:
    kind = draw(st.sampled_from(["enrollment", "assistance_payment", "lapse"]))
    event = {
        "schema": SCHEMA,
        "event_id": draw(_TEXT),
        "type": kind,
        "occurred_at": "2026-06-01T09:00:00+07:00",
        "region_code": "61.07.01.2001",
        "segment": draw(st.sampled_from(["PU", "BPU"])),
    }
    event["nik" if draw(st.booleans()) else "participant_id"] = draw(_TEXT)
    if kind == "assistance_payment":
        event.update(
            payer_id=draw(_TEXT),
            period_start="2026-01-01",
            period_end="2026-12-31",
            amount_idr=draw(st.integers(-10, 10**12)),
        )
    elif draw(st.booleans()):
        event["source"] = draw(_TEXT)
    return event


def render_array(events: list[dict], layouts: list[tuple[int | None, str]]) -> tuple[str, list[int]]:
    """A JSON array with each element indented or not and separated as drawn; the line where each starts."""
    text, lines = "[", []
    for event, (indent, separator) in zip(events, layouts):
        text += separator
        lines.append(text.count("\n") + 1)
        text += json.dumps(event, indent=indent, ensure_ascii=bool(indent))
        text += ","
    return text.rstrip(",") + "\n]\n", lines


def render_lines(events: list[dict], blanks: list[int]) -> tuple[str, list[int]]:
    text, lines = "", []
    for event, blank in zip(events, blanks):
        text += "\n" * blank + ("  \n" if blank else "")
        lines.append(text.count("\n") + 1)
        text += json.dumps(event, ensure_ascii=False) + "\n"
    return text, lines


def render_csv(events: list[dict], delimiter: str, line_end: str) -> tuple[str, list[int]]:
    names = sorted({name for event in events for name in event})
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(names)
    lines = []
    for event in events:
        lines.append(out.getvalue().count("\n") + 1)
        writer.writerow([event.get(name, "") for name in names])
    return out.getvalue(), lines


@given(st.lists(events(), min_size=1, max_size=8), st.data())
def test_every_format_gives_the_same_objects_and_the_lines_they_start_on(batch, data):
    layouts = data.draw(
        st.lists(
            st.tuples(st.sampled_from([None, 2]), st.sampled_from(["", " ", "\n", "\n\n  "])),
            min_size=len(batch),
            max_size=len(batch),
        )
    )
    blanks = data.draw(st.lists(st.integers(0, 2), min_size=len(batch), max_size=len(batch)))
    renderings = {
        "json array": (split_json_array, *render_array(batch, layouts)),
        "json lines": (split_json_lines, *render_lines(batch, blanks)),
        "comma csv": (split_csv, *render_csv(batch, ",", "\n")),
        "semicolon csv with BOM": (split_csv, *render_csv(batch, ";", "\r\n")),
    }
    for name, (split, text, lines) in renderings.items():
        if name.endswith("BOM"):
            text = decode(("\ufeff" + text).encode("utf-8"))
        items = split(text)
        assert [item.value for item in items] == batch, name
        assert [item.line for item in items] == lines, name
        assert [item.index for item in items] == list(range(len(batch))), name
        assert all(item.problem is None for item in items), name


def test_a_body_that_is_not_utf8_cannot_be_read():
    with pytest.raises(BodyError, match="not UTF-8"):
        decode(b'[{"event_id": "\xff"}]')


@pytest.mark.parametrize(
    "text", ["", "null", '{"event_id": "a"}', '"[]"', "[1, 2", "[1 2]", "[1,]", "[1] [2]", "[nope]"]
)
def test_a_json_body_must_be_one_array(text):
    with pytest.raises(BodyError):
        split_json_array(text)


def test_an_unreadable_array_says_where():
    with pytest.raises(BodyError, match="line 3"):
        split_json_array('[\n{"a": 1},\n{"a": }\n]')


def test_nesting_too_deep_for_the_parser_is_a_body_error_not_a_crash():
    with pytest.raises(BodyError, match="nested too deeply"):
        split_json_array("[" + "[" * 100_000 + "]" * 100_000 + "]")
    [item] = split_json_lines("[" * 100_000 + "]" * 100_000)
    assert item.problem.reason == "not_json"


def test_a_number_too_long_to_read_is_a_body_error_not_a_crash():
    with pytest.raises(BodyError, match="line 1"):
        split_json_array("[" + "7" * 5_000 + "]")


def test_json_lines_report_bad_lines_and_skip_blank_ones():
    items = split_json_lines('{"a": 1}\n\n   \nnot json\r\n{"b": 2}\r\n')
    assert [(i.index, i.line) for i in items] == [(0, 1), (1, 4), (2, 5)]
    assert items[1].problem.reason == "not_json" and items[2].value == {"b": 2}


def test_csv_rows_that_do_not_fit_the_header():
    text = "event_id;type;amount_idr\nA;lapse\nB;lapse;12;extra\nC;assistance_payment;-5\nD;assistance_payment;1.500\n"
    items = split_csv(text)
    assert items[0].value == {"schema": SCHEMA, "event_id": "A", "type": "lapse"}  # missing cells are absent fields
    assert items[1].problem.reason == "bad_csv_row" and items[1].line == 3
    assert items[2].value["amount_idr"] == -5
    assert items[3].value["amount_idr"] == "1.500"  # not an integer: validation says wrong_field_type


def test_csv_empty_cells_are_absent_and_empty_rows_are_skipped():
    items = split_csv("event_id,participant_id,source\nA,,\n,,\n\nB, ,x\n")
    assert [(i.line, i.value) for i in items] == [
        (2, {"schema": SCHEMA, "event_id": "A"}),
        (5, {"schema": SCHEMA, "event_id": "B", "source": "x"}),
    ]


def test_a_csv_row_starts_on_the_line_of_its_first_cell():
    items = split_csv('event_id,type\n"multi\nline\nid",lapse\nnext,lapse\n')
    assert [(i.line, i.value["event_id"]) for i in items] == [(2, "multi\nline\nid"), (5, "next")]


def test_a_value_under_a_column_with_no_name_is_a_bad_row():
    [good, bad] = split_csv("event_id;type;\nA;lapse;\nB;lapse;surprise\n")
    assert good.value == {"schema": SCHEMA, "event_id": "A", "type": "lapse"}
    assert bad.problem.reason == "bad_csv_row"


@pytest.mark.parametrize("text", ["", "\n\n", ";;\n"])
def test_csv_without_a_header_cannot_be_read(text):
    with pytest.raises(BodyError, match="header"):
        split_csv(text)


def test_a_repeated_column_is_a_body_error_that_does_not_echo_a_nik():
    with pytest.raises(BodyError) as raised:
        split_csv(f"event_id,{nik()},{nik()}\n")
    assert "more than once" in str(raised.value) and nik() not in str(raised.value)


@pytest.mark.parametrize(
    "split, render",
    [
        (split_json_array, lambda n: json.dumps([{"i": i} for i in range(n)])),
        (split_json_lines, lambda n: "".join(f'{{"i": {i}}}\n' for i in range(n))),
        (split_csv, lambda n: "i\n" + "".join(f"{i}\n" for i in range(n))),
    ],
)
def test_at_most_5000_events(split, render):
    assert len(split(render(5_000))) == 5_000
    with pytest.raises(TooManyEvents):
        split(render(5_001))


def test_a_csv_amount_too_long_for_a_number_stays_text_for_validation_to_refuse():
    (item,) = split_csv("amount_idr;type\n" + "9" * 5000 + ";enrollment\n")
    assert item.value["amount_idr"] == "9" * 5000 and item.problem is None
