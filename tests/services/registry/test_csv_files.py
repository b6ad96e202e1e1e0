"""Reading operators' CSV: any file a spreadsheet writes, comma or semicolon, with or without a
BOM, reads back the same rows."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.csv_files import CsvRejected, read_rows

COLUMNS = ("region_code", "note")
# Any text a cell may hold, but no leading/trailing space (the reader strips it) and not blank.
cell = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\x85\u2028\u2029"),
        min_size=1,
        max_size=15,
    )
    .map(str.strip)
    .filter(bool)
)


def parse(fields: dict[str, str], errors: list[str]):
    record = (fields["region_code"], fields["note"])
    return record, record


def written(rows: list[tuple[str, str]], delimiter: str, bom: bool, line_end: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


@given(
    rows=st.lists(st.tuples(cell, cell), min_size=1, max_size=10, unique=True),
    delimiter=st.sampled_from([",", ";"]),
    bom=st.booleans(),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_any_file_reads_back_the_rows_it_was_written_with(rows, delimiter, bom, line_end):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.csv"
        path.write_bytes(written(rows, delimiter, bom, line_end))
        loaded = read_rows(path, COLUMNS, parse)
    assert loaded.records == rows
    assert loaded.delimiter == delimiter
    assert loaded.delimiter_name == {",": "comma", ";": "semicolon"}[delimiter]


def test_a_semicolon_file_with_a_comma_row_says_which_line(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("region_code;note\n61.07;a\n61.08,b\n", encoding="utf-8")
    with pytest.raises(CsvRejected) as caught:
        read_rows(path, COLUMNS, parse)
    assert caught.value.problems == [(3, "expected 2 fields, got 1")]
