"""A schemathesis fuzz run of the gateway's own OpenAPI document, against the running gateway and the real broker.

Every operation gets cases that fit the document and, where there is a body or a parameter
to break, cases that do not, all with a valid key. No answer may be a 5xx, and every answer
must be one the document describes: its status code, content type, headers and body schema.
The run is bounded: a fixed number of cases per operation and mode.
"""

from __future__ import annotations

import json
from collections import Counter

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.test_gateway import add_source, start_gateway  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration

CASES = 100  # per operation and mode: about 450 requests, one to three minutes on a busy machine
CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

import tests.integration.schemathesis_hooks  # noqa: F401,E402 (JSON Lines bodies as text)


def send(client: httpx2.Client, case, base_url: str) -> httpx2.Response:
    """The case sent with httpx2, so the run does not depend on which urllib3 the venv holds
    (grafana-client's niquests brings urllib3-future, which can replace it: deploy/local/setup.sh)."""
    request = case.as_transport_kwargs(base_url=base_url)
    headers = dict(request["headers"])
    body = request.get("data")
    if "json" in request:
        body = json.dumps(request["json"])
        headers.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")  # lone surrogates go out as the invalid UTF-8 they are
    return client.request(
        request["method"], request["url"], headers=headers, params=request.get("params"), content=body
    )


def test_fuzzing_the_openapi_document_gives_no_5xx_and_only_documented_answers(
    kafka_bootstrap, registry_url, start_gateway
):  # noqa: F811
    gateway = start_gateway()
    key = add_source(registry_url, "fuzz-province", "61")
    schema = schemathesis.openapi.from_url(gateway.url + "/openapi.json", timeout=30)
    answers: Counter = Counter()
    server_errors: list[str] = []
    undocumented: list[str] = []

    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "POST /v1/events",
        "POST /v1/events/csv",
        "GET /v1/whoami",
        "GET /healthz",
        "GET /metrics",
    }
    with httpx2.Client(timeout=60) as client:
        for operation in operations:
            # cases that do not fit the document need something to break: a body or a parameter
            modes = [GenerationMode.POSITIVE] + (
                [GenerationMode.NEGATIVE] if operation.method.upper() == "POST" else []
            )
            for mode in modes:

                @settings(
                    max_examples=CASES,
                    deadline=None,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode, headers={"Authorization": f"Bearer {key}"}))
                def call(case):  # called below, within this iteration of the loop
                    response = send(client, case, gateway.url)
                    answers[(operation.label, response.status_code)] += 1
                    if response.status_code >= 500:
                        server_errors.append(f"{operation.label} -> {response.status_code}: {response.text[:300]}")
                    try:
                        case.validate_response(response, checks=CONFORMANCE)
                    except BaseException as failure:  # schemathesis raises a group of its findings
                        undocumented.append(f"{operation.label} -> {response.status_code}: {str(failure)[:500]}")

                call()

    assert gateway.running(), gateway.log_tail()
    assert server_errors == [], server_errors[:5]
    assert undocumented == [], undocumented[:5]
    ingest = {status for (label, status), _ in answers.items() if label.startswith("POST /v1/events")}
    assert 200 in ingest and ingest & {400, 413, 415, 422}, answers  # the run reached both the summary and the refusals
