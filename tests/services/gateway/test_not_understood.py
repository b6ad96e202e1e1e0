"""A query parameter the gateway does not understand is answered 422 with a one-sentence `error`,
like every other refusal (the guide for registration systems, "When the answer is not 200"),
not with FastAPI's default list of pydantic errors; the OpenAPI document says so."""

from __future__ import annotations

import json

import pytest

from streams.domain.nik import contains_nik


@pytest.mark.parametrize("path", ["/v1/events", "/v1/events/csv"])
def test_dry_run_maybe_is_422_with_one_sentence_and_publishes_nothing(gateway, path):
    body = "event_id\n" if path.endswith("csv") else "[]"
    response = gateway.post(
        body, content_type="text/csv" if path.endswith("csv") else "application/json", path=path, dry_run="maybe"
    )
    assert response.status_code == 422
    assert response.json() == {"error": "the query parameter dry_run must be true or false, not 'maybe'"}
    assert gateway.publisher.batches == []


def test_a_nik_given_as_a_parameter_is_not_echoed(gateway):
    response = gateway.post("[]", dry_run="6171014101900001")
    assert response.status_code == 422 and set(response.json()) == {"error"}
    assert not contains_nik(response.text)


def test_the_key_is_checked_first(gateway):
    assert gateway.post("[]", key="wrong-key", dry_run="maybe").status_code == 401


def test_the_openapi_document_shows_the_422_the_gateway_answers(gateway):
    document = gateway.client.get("/openapi.json").json()
    for path in ("/v1/events", "/v1/events/csv"):
        answer = document["paths"][path]["post"]["responses"]["422"]
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "HTTPValidationError" not in json.dumps(document)
