"""Reading and validating operators' CSV files (workforce figures, plan points, coordinators).

Every row is checked and every problem is reported with its line number (line 1 is the
header), so an operator can fix a file in one pass. A file with any bad row is rejected whole.
Files are read as spreadsheets save them: comma or semicolon delimited (services/common/csv_text.py
decides, as the gateway does), UTF-8 with or without a byte order mark.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Generic, Iterator, TypeVar

from services.common.csv_text import DELIMITER_NAMES, sniff_delimiter
from services.registry.coordinators import (
    COORDINATOR_FIELDS,
    PLAIN_HTTP_REFUSED,
    CoordinatorEntry,
    coordinator_problems,
    is_plain_http,
)

WORKFORCE_COLUMNS = ("region_code", "year", "eligible_workforce")
PLAN_COLUMNS = ("region_code", "date", "ratio")
# From services/registry/coordinators.COORDINATOR_FIELDS.
COORDINATOR_COLUMNS = tuple(field.name for field in COORDINATOR_FIELDS if field.default is None)
# May be left out of the header, or empty in a row: then the default applies.
COORDINATOR_OPTIONAL_COLUMNS = tuple(field.name for field in COORDINATOR_FIELDS if field.default is not None)
COORDINATOR_DEFAULTS = {field.name: field.default for field in COORDINATOR_FIELDS if field.default is not None}

# Plausible years for workforce figures; anything else is a typo (e.g. 224 or 20245).
MIN_YEAR, MAX_YEAR = 2000, 2100

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")

# A long file reports progress every so many data rows (see `Progress`).
PROGRESS_EVERY = 10_000

Problem = tuple[int, str]
Progress = Callable[[int], None]  # called with the number of data rows read so far
Key = tuple[object, ...]  # what must be unique within one file
T = TypeVar("T")


class CsvRejected(Exception):
    """The file has bad rows; nothing was loaded. `problems` lists (line, message) pairs."""

    def __init__(self, path: str | Path, problems: list[Problem]):
        self.path = str(path)
        self.problems = sorted(problems)
        super().__init__(f"{self.path}: {len(self.problems)} bad rows, nothing loaded")


@dataclass(frozen=True)
class CsvFile(Generic[T]):
    """The good records of a file, and the delimiter it was written with."""

    records: list[T]
    delimiter: str
    lines: tuple[int, ...] = ()  # the line of each record, for problems found across rows

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES[self.delimiter]


@dataclass(frozen=True)
class LoadReport:
    """What a CSV load did: rows written, rows they replaced (or updated), the years or
    regions concerned, and the file's delimiter."""

    loaded: int
    replaced: int
    scope: tuple[str, ...]
    delimiter: str = ","


@dataclass(frozen=True)
class WorkforceFigure:
    region_code: str
    year: int
    eligible_workforce: int


@dataclass(frozen=True)
class PlanPoint:
    region_code: str
    date: datetime.date
    ratio: float


def read_workforce_csv(
    path: str | Path, known_regions: Collection[str], progress: Progress | None = None
) -> CsvFile[WorkforceFigure]:
    """Rows of `region_code,year,eligible_workforce`; raises CsvRejected if any row is bad."""

    def parse(fields: dict[str, str], errors: list[str]) -> tuple[Key, WorkforceFigure | None]:
        region = _region(fields["region_code"], known_regions, errors)
        year = _whole_number(fields["year"])
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            errors.append(f"year must be a whole number from {MIN_YEAR} to {MAX_YEAR}, got {fields['year']!r}")
            year = None
        workforce = _whole_number(fields["eligible_workforce"])
        # Zero is refused too: the workforce is the coverage denominator.
        if workforce is None or workforce <= 0:
            errors.append(f"eligible_workforce must be a positive whole number, got {fields['eligible_workforce']!r}")
            workforce = None
        key = (fields["region_code"], year if year is not None else fields["year"])
        if region is None or year is None or workforce is None:
            return key, None
        return key, WorkforceFigure(region, year, workforce)

    return read_rows(path, WORKFORCE_COLUMNS, parse, progress=progress)


def read_plan_csv(
    path: str | Path, known_regions: Collection[str], progress: Progress | None = None
) -> CsvFile[PlanPoint]:
    """Rows of `region_code,date,ratio`; raises CsvRejected if any row is bad."""

    def parse(fields: dict[str, str], errors: list[str]) -> tuple[Key, PlanPoint | None]:
        region = _region(fields["region_code"], known_regions, errors)
        date = _iso_date(fields["date"])
        if date is None:
            errors.append(f"date must be an ISO date YYYY-MM-DD, got {fields['date']!r}")
        ratio = _number(_decimal_point(fields["ratio"]))
        if ratio is None or not 0.0 <= ratio <= 1.0:
            errors.append(f"ratio must be a number from 0 to 1, got {fields['ratio']!r}")
            ratio = None
        key = (fields["region_code"], date if date is not None else fields["date"])
        if region is None or date is None or ratio is None:
            return key, None
        return key, PlanPoint(region, date, ratio)

    return read_rows(path, PLAN_COLUMNS, parse, progress=progress)


def read_coordinators_csv(
    path: str | Path, region_levels: dict[str, str], allow_http_webhook: bool = True
) -> CsvFile[CoordinatorEntry]:
    """Rows of COORDINATOR_COLUMNS[, COORDINATOR_OPTIONAL_COLUMNS]; raises CsvRejected if any
    row is bad. `region_levels` maps each region code to its level; a plain http:// webhook is
    a bad row unless `allow_http_webhook`."""

    def parse(fields: dict[str, str], errors: list[str]) -> tuple[Key, CoordinatorEntry | None]:
        # A cell that cannot be read is reported after the coordinator's problems, and the
        # rest of the row is checked as if the cell were empty.
        values: dict[str, Any] = {}
        unreadable = []
        for field in COORDINATOR_FIELDS:
            try:
                values[field.name] = field.read(fields[field.name] or field.default or "")
            except ValueError as error:
                unreadable.append(f"{field.name} {error}")
                values[field.name] = field.read(field.default or "")
        entry = CoordinatorEntry(**values)
        errors += coordinator_problems(entry, region_levels)
        if entry.webhook_url and not allow_http_webhook and is_plain_http(entry.webhook_url):
            errors.append(f"webhook URL {entry.webhook_url!r} {PLAIN_HTTP_REFUSED}")
        errors += unreadable
        key = (entry.name, entry.region_code)
        return key, None if errors else entry

    return read_rows(path, COORDINATOR_COLUMNS, parse, optional=COORDINATOR_OPTIONAL_COLUMNS)


def read_rows(
    path: str | Path,
    columns: tuple[str, ...],
    parse: Callable[[dict[str, str], list[str]], tuple[Key, T | None]],
    optional: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> CsvFile[T]:
    """Check the header, then every data row; collect all problems before deciding.

    `parse` turns one row's fields into (its key, which must be unique in the file; the
    record, or None after appending what is wrong to the errors list). Columns in `optional`
    may be missing from the header: they read as empty. Raises CsvRejected on any problem.
    """
    problems: list[Problem] = []
    records: list[T] = []
    lines: list[int] = []
    first_line_of_key: dict[Key, int] = {}
    text = _decode(path, problems)
    delimiter = sniff_delimiter(text or "")
    rows = _data_rows(text, delimiter, columns, optional, problems) if text is not None else iter(())
    for count, (line, fields) in enumerate(rows, start=1):
        errors: list[str] = []
        key, record = parse(fields, errors)
        if key in first_line_of_key:
            errors.append(f"duplicate of line {first_line_of_key[key]} ({', '.join(map(str, key))})")
        else:
            first_line_of_key[key] = line
        if errors:
            problems.append((line, "; ".join(errors)))
        elif record is not None:
            records.append(record)
            lines.append(line)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    if problems:
        raise CsvRejected(path, problems)
    return CsvFile(records, delimiter, tuple(lines))


def _decode(path: str | Path, problems: list[Problem]) -> str | None:
    """The file's text (UTF-8, with or without the BOM that spreadsheet exports add)."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append((raw[: error.start].count(b"\n") + 1, "not UTF-8 text"))
        return None


def _data_rows(
    text: str, delimiter: str, columns: tuple[str, ...], optional: tuple[str, ...], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, fields) for each non-blank data row; header and shape problems go to `problems`."""
    expected = f"expected header {delimiter.join(columns)}" + "".join(f"[{delimiter}{name}]" for name in optional)
    if not text.strip():
        problems.append((1, f"empty file; {expected}"))
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in columns if name not in header]
    if len(missing) == len(columns):
        problems.append((1, f"no header; {expected}"))
        return
    if missing:
        problems.append((1, f"missing column(s) {', '.join(missing)}; {expected}"))
        return
    repeated = [name for name in columns + optional if header.count(name) > 1]
    if repeated:
        problems.append((1, f"repeated column(s) {', '.join(repeated)}; {expected}"))
        return
    rows_seen = 0
    try:
        for row in reader:
            if not any(value.strip() for value in row):
                continue  # blank line
            rows_seen += 1
            if len(row) != len(header):
                problems.append((reader.line_num, f"expected {len(header)} fields, got {len(row)}"))
                continue
            fields = dict.fromkeys(optional, "") | {name: value.strip() for name, value in zip(header, row)}
            yield reader.line_num, fields
    except csv.Error as error:
        problems.append((reader.line_num, f"unreadable CSV: {error}"))
    if rows_seen == 0 and not problems:
        problems.append((1, "no data rows after the header"))


def _region(code: str, known_regions: Collection[str], errors: list[str]) -> str | None:
    if not code:
        errors.append("region_code is empty")
        return None
    if code not in known_regions:
        errors.append(f"unknown region {code!r}")
        return None
    return code


def _whole_number(text: str) -> int | None:
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _decimal_point(text: str) -> str:
    """`0,6` as `0.6`: a ratio as an Indonesian-locale spreadsheet writes it (a thousands
    separator cannot occur in a ratio from 0 to 1)."""
    return text.replace(",", ".", 1) if _DECIMAL_COMMA.fullmatch(text) else text


def _iso_date(text: str) -> datetime.date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None
