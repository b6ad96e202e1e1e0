"""Splitting a request body into its events, each with its position (pure, no I/O).

Three formats: a JSON array, JSON Lines (NDJSON) and CSV as spreadsheets export it. Each
event becomes an Item with its 0-based index among the events and the 1-based physical
line of the body where it starts, which is what the import summary reports. An element
that cannot be an event (a line that is not JSON, a CSV row longer than its header) is an
Item with a rejection; a body that cannot be read at all raises BodyError.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from services.common.csv_text import sniff_delimiter
from services.gateway.settings import MAX_EVENTS
from streams.domain.events import SCHEMA
from streams.domain.nik import mask_niks
from streams.domain.validation import Rejected

BOM = "\ufeff"
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_INTEGER = re.compile(r"-?[0-9]{1,30}")  # longer stays text (int() refuses over 4,300 digits); validation says why
INTEGER_FIELDS = frozenset({"amount_idr"})  # the only non-string field of schema v1


class BodyError(ValueError):
    """The body cannot be read as the format it claims; the message is one sentence."""

    def __init__(self, message: str):
        super().__init__(mask_niks(message))  # a message may quote the body


class TooManyEvents(ValueError):
    def __init__(self, limit: int):
        super().__init__(f"a request holds at most {limit:,} events; split the batch")


@dataclass(frozen=True)
class Item:
    index: int  # 0-based, among the events of the body
    line: int  # 1-based physical line where the event starts
    value: Any = None  # the decoded JSON value (an object, if it can be an event)
    problem: Rejected | None = None  # set when the element cannot be an event at all
    text: str | None = None  # the element's own JSON text (JSON and JSON Lines; a CSV row has none)


def decode(body: bytes) -> str:
    """The body as text: UTF-8, with or without a byte order mark."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyError(f"the body is not UTF-8 text (invalid byte at offset {error.start})") from None
    return text.removeprefix(BOM)


def split_json_array(text: str, limit: int = MAX_EVENTS) -> list[Item]:
    """The elements of a JSON array, each with the line where it starts."""
    decoder = json.JSONDecoder()
    lines = _LineCounter(text)
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        raise BodyError(
            "a JSON body must be an array of event objects, [{...}, {...}]; send JSON Lines as application/x-ndjson"
        )
    position = _skip_space(text, position + 1)
    items: list[Item] = []
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            line = lines.line_at(position)
            try:
                value, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                raise BodyError(
                    f"the body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
                ) from None
            except ValueError as error:  # e.g. an integer of more than 4,300 digits
                raise BodyError(f"the event at line {line} cannot be read: {error}") from None
            except RecursionError:
                raise BodyError(f"the event at line {line} is nested too deeply") from None
            items.append(Item(len(items), line, value, text=text[position:end]))
            if len(items) > limit:
                raise TooManyEvents(limit)
            position = _skip_space(text, end)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
            elif text.startswith("]", position):
                position += 1
                break
            else:
                raise BodyError(f"the body is not valid JSON: expected ',' or ']' at line {lines.line_at(position)}")
    if _skip_space(text, position) != len(text):
        raise BodyError(f"the body goes on after its array ends, at line {lines.line_at(position)}")
    return items


def split_json_lines(text: str, limit: int = MAX_EVENTS) -> list[Item]:
    """One event per line (JSON Lines); blank lines are skipped and do not count as events."""
    items: list[Item] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(items) == limit:
            raise TooManyEvents(limit)
        try:
            items.append(Item(len(items), number, json.loads(line), text=line))
        except RecursionError:
            items.append(Item(len(items), number, problem=Rejected("not_json", "the line is nested too deeply")))
        except ValueError as error:
            items.append(Item(len(items), number, problem=Rejected("not_json", str(error)[:200])))
    return items


def split_csv(text: str, limit: int = MAX_EVENTS) -> list[Item]:
    """One event per row under a header row of field names; comma or semicolon delimited.

    An empty cell is an absent field; amount_idr becomes a number when it is an integer;
    `schema` may be left out (the CSV format is that of schema v1). Rows with no value at
    all (what spreadsheets export below the data) are skipped.
    """
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = next(rows, None)
        if header is None or not any(name.strip() for name in header):
            raise BodyError("a CSV body needs a header row of field names, e.g. event_id;type;occurred_at;nik;...")
        names = [name.strip() for name in header]
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        if repeated:
            raise BodyError(f"the CSV header names {', '.join(repeated)} more than once")
        items: list[Item] = []
        line = rows.line_num + 1
        for cells in rows:
            if any(cell.strip() for cell in cells):
                if len(items) == limit:
                    raise TooManyEvents(limit)
                items.append(_row_item(len(items), line, names, cells))
            line = rows.line_num + 1
    except csv.Error as error:
        raise BodyError(f"the CSV body cannot be read at line {rows.line_num}: {error}") from None
    return items


def _row_item(index: int, line: int, names: list[str], cells: list[str]) -> Item:
    if len(cells) > len(names):
        return Item(
            index,
            line,
            problem=Rejected(
                "bad_csv_row", f"the row has {len(cells)} cells but the header names {len(names)} columns"
            ),
        )
    obj: dict[str, Any] = {}
    for position, (name, cell) in enumerate(zip(names, cells), start=1):
        if not cell.strip():
            continue  # an empty cell is an absent field
        if not name:
            return Item(
                index,
                line,
                problem=Rejected(
                    "bad_csv_row", f"cell {position} has a value but its column has no name in the header"
                ),
            )
        obj[name] = int(cell) if name in INTEGER_FIELDS and _INTEGER.fullmatch(cell) else cell
    obj.setdefault("schema", SCHEMA)
    return Item(index, line, obj)


def _skip_space(text: str, position: int) -> int:
    space = _JSON_SPACE.match(text, position)
    assert space is not None  # the pattern matches the empty string
    return space.end()


class _LineCounter:
    """Line numbers of increasing offsets into one text, counting each newline once."""

    def __init__(self, text: str):
        self.text, self.offset, self.line = text, 0, 1

    def line_at(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line
