"""Whatever the body, in whatever declared type, the answer is never a 5xx (the publisher works)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.services.gateway.conftest import VILLAGE, nik
from tests.streams.domain.factories import DROP, wire
from tests.streams.domain.strategies import json_values

VALID = wire(
    event_id="e-1",
    occurred_at="2026-06-01T09:00:00+07:00",
    region_code=VILLAGE,
    source=DROP,
    participant_id=DROP,
    nik=nik(),
)
pieces = st.sampled_from(
    [",", ";", "\n", "\r\n", '"', "[", "]", "{", "}", "\ufeff", "\x00", "9" * 5000, nik(), "amount_idr", "type"]
)
texts = st.lists(st.one_of(st.text(max_size=20), pieces), max_size=30).map("".join)
cells = st.one_of(st.text(max_size=12), pieces, st.sampled_from([str(v) for v in VALID.values()]))


@st.composite
def csv_texts(draw) -> bytes:
    """Tables as spreadsheets export them, with cells that are hard to read as numbers or text."""
    delimiter = draw(st.sampled_from([",", ";"]))
    names = draw(
        st.lists(
            st.one_of(st.sampled_from([*VALID, "amount_idr", "nik"]), st.text(max_size=8)), min_size=1, max_size=12
        )
    )
    rows = draw(st.lists(st.lists(cells, max_size=len(names) + 2), max_size=4))
    return "\n".join(delimiter.join(row) for row in [names, *rows]).encode("utf-8", "surrogatepass")


bodies = st.one_of(
    csv_texts(),
    texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    st.lists(json_values(), max_size=5).map(lambda values: json.dumps(values).encode()),
    st.lists(st.fixed_dictionaries({}, optional={k: json_values() for k in VALID}), max_size=5).map(
        lambda objs: json.dumps(objs).encode()
    ),
)
targets = st.sampled_from(
    [
        ("/v1/events", "application/json"),
        ("/v1/events", "application/x-ndjson"),
        ("/v1/events/csv", "text/csv"),
        ("/v1/events/csv", "text/csv; charset=latin-1"),
        ("/v1/events", "application/json; charset=utf-8; boundary=x"),
    ]
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies, target=targets)
@example(
    body=("amount_idr;type\n" + "9" * 5000 + ";enrollment\n").encode(), target=("/v1/events/csv", "text/csv")
)  # int() refuses it
def test_no_body_gets_a_5xx(gateway, body, target):
    path, content_type = target
    response = gateway.post(body, content_type=content_type, path=path)
    assert response.status_code < 500, (response.status_code, response.text[:300])
