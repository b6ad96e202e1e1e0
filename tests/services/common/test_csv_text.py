"""The delimiter of CSV as people make it, decided once for the gateway and the registry."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from services.common.csv_text import sniff_delimiter

cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\ufeff"), max_size=12)


@given(header=st.lists(cells, min_size=2, max_size=6), delimiter=st.sampled_from([",", ";"]))
def test_the_header_row_as_a_spreadsheet_writes_it_gives_its_delimiter(header, delimiter):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(header)
    # Quoted cells may hold the other delimiter; what counts is that the writer's own outnumber them.
    written = out.getvalue()
    ours, other = written.count(delimiter), written.count(";" if delimiter == "," else ",")
    if ours > other:
        assert sniff_delimiter(written + "x\r\n") == delimiter


def test_examples():
    assert sniff_delimiter("event_id;type;occurred_at\n1;enrollment;x,y,z,w\n") == ";"  # only the header counts
    assert sniff_delimiter("region_code,year,eligible_workforce\n") == ","
    assert sniff_delimiter("") == "," and sniff_delimiter("region_code\n61\n") == ","
