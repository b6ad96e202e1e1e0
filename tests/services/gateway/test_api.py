"""The HTTP API with fakes at its edges: keys, limits, formats, answers, metrics and the OpenAPI document."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.gateway.api import DRAIN_BYTES
from services.gateway.limits import HEALTH_PROBE_SECONDS, UNKNOWN_KEY_SECONDS
from services.gateway.publishing import ACKNOWLEDGED, UNPUBLISHED
from services.gateway.settings import MAX_BODY_BYTES
from streams.domain.nik import contains_nik
from streams.domain.validation import REASONS
from tests.services.gateway.conftest import ELSEWHERE, PSEUDONYMIZER, VILLAGE, nik
from tests.streams.domain.factories import DROP, wire


def event(i: int = 0, **fields) -> dict:
    fields.setdefault("occurred_at", "2026-06-01T09:00:00+07:00")
    fields.setdefault("region_code", VILLAGE)
    fields.setdefault("source", DROP)
    fields.setdefault("participant_id", DROP)
    fields.setdefault("nik", nik(serial=i + 1))
    return wire(event_id=f"e-{i}", **fields)


def metric(harness, name: str, **labels) -> float:
    text = harness.client.get("/metrics").text
    return sum(
        s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == name and labels.items() <= s.labels.items()
    )


# --- keys


@pytest.mark.parametrize("key", [None, "wrong-key", "revoked-key"])
@pytest.mark.parametrize("path", ["/v1/events", "/v1/events/csv", "/v1/whoami"])
def test_no_key_or_an_unknown_or_revoked_one_is_401_and_publishes_nothing(gateway, key, path):
    gateway.keys.sources["revoked-key"] = gateway.keys.sources["good-key"]
    gateway.keys.revoked.add("revoked-key")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if path == "/v1/whoami":
        response = gateway.client.get(path, headers=headers)
    else:
        response = gateway.post(json.dumps([event()]), key=key, path=path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error" in response.json()
    assert gateway.publisher.batches == []


def test_a_key_sent_another_way_than_bearer_is_401(gateway):
    response = gateway.client.post(
        "/v1/events", content="[]", headers={"Authorization": "Basic good-key", "Content-Type": "application/json"}
    )
    assert response.status_code == 401


def test_a_key_revoked_between_two_requests_is_refused_at_once(gateway):
    assert gateway.post("[]").status_code == 200
    gateway.keys.revoked.add("good-key")
    assert gateway.post("[]").status_code == 401


def test_the_registry_down_is_503_not_500(gateway):
    gateway.keys.down = True
    response = gateway.post(json.dumps([event()]))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json()["accepted"] == 0 and gateway.publisher.batches == []


def test_whoami_names_the_source_and_its_regions(gateway):
    response = gateway.client.get("/v1/whoami", headers={"Authorization": "Bearer good-key"})
    assert response.json() == {
        "source": "desa-2001",
        "regions": [{"code": "61.07", "name": "Kabupaten Bengkayang", "level": "regency"}],
    }


# --- formats and the summary


def test_a_json_array_is_published_pseudonymised_with_rejections_by_index_and_line(gateway):
    batch = [
        event(0),
        event(1, region_code=ELSEWHERE),
        event(2, nik="6107014101900000"),
        "not an event",
        event(3, source="other"),
    ]
    response = gateway.post(json.dumps(batch, indent=2))
    assert response.status_code == 200
    summary = response.json()
    lines = [
        i + 1 for i, line in enumerate(json.dumps(batch, indent=2).splitlines()) if line in ("  {", '  "not an event",')
    ]
    assert summary["accepted"] == 1 and summary["dry_run"] is False
    assert [(r["index"], r["line"], r["reason"]) for r in summary["rejected"]] == [
        (1, lines[1], "region_out_of_scope"),
        (2, lines[2], "bad_nik"),
        (3, lines[3], "not_an_object"),
        (4, lines[4], "source_mismatch"),
    ]
    [(key, value)] = gateway.publisher.messages
    assert key == PSEUDONYMIZER.participant_id(nik(serial=1)).encode()
    published = json.loads(value)
    assert published["participant_id"] == key.decode() and published["source"] == "desa-2001" and "nik" not in published
    assert not contains_nik(response.text) and not contains_nik(value.decode())


def test_json_lines(gateway):
    body = json.dumps(event(0)) + "\n\n" + "{broken\n" + json.dumps(event(1)) + "\n"
    summary = gateway.post(body, content_type="application/x-ndjson; charset=utf-8").json()
    assert summary["accepted"] == 2
    assert summary["rejected"] == [
        {"index": 1, "line": 3, "reason": "not_json", "detail": summary["rejected"][0]["detail"]}
    ]


def test_a_semicolon_csv_with_a_bom_as_excel_writes_it(gateway):
    header = "event_id;type;occurred_at;nik;region_code;segment;covered_from;paid_through"
    rows = [
        f"c-1;enrollment;2026-06-01T09:00:00+07:00;{nik(serial=7)};{VILLAGE};BPU;2026-06-01;2026-12-31",
        f"c-2;enrollment;2026-06-01T09:00:00+07:00;61.07.01.410190.0008;{ELSEWHERE};BPU;2026-06-01;2026-12-31",
        f"c-3;enrollment;2026-06-01T09:00:00+07:00;{nik(serial=9)};{VILLAGE};BPU;2026-06-01;2026-12-31;surplus",
    ]
    body = ("\ufeff" + header + "\r\n" + "\r\n".join(rows) + "\r\n").encode()
    summary = gateway.post(body, content_type="text/csv", path="/v1/events/csv").json()
    assert summary["accepted"] == 1
    assert [(r["index"], r["line"], r["reason"]) for r in summary["rejected"]] == [
        (1, 3, "region_out_of_scope"),
        (2, 4, "bad_csv_row"),
    ]
    [(key, _)] = gateway.publisher.messages
    assert key == PSEUDONYMIZER.participant_id(nik(serial=7)).encode()


def test_a_dry_run_checks_everything_and_publishes_nothing(gateway):
    summary = gateway.post(json.dumps([event(0), event(1, region_code=ELSEWHERE)]), dry_run="true").json()
    assert summary["accepted"] == 1 and summary["dry_run"] is True and len(summary["rejected"]) == 1
    assert gateway.publisher.batches == []
    assert metric(gateway, "ucj_gateway_events_total") == 0  # dry runs are not counted


def test_no_nik_comes_back_in_any_detail(gateway):
    leaks = [
        event(0, nik=DROP, participant_id="NIK-" + nik()),
        event(1, segment=nik()),
        event(2, region_code="61.07 " + nik()),
        event(3, occurred_at=nik()),
        event(4, nik=nik(), participant_id="P"),
    ]
    response = gateway.post(json.dumps(leaks))
    assert [r["reason"] for r in response.json()["rejected"]] == ["raw_nik"] * 4 + ["nik_and_participant_id"]
    assert not contains_nik(response.text)
    csv_response = gateway.post(f"event_id,{nik()},{nik()}\n", content_type="text/csv", path="/v1/events/csv")
    assert csv_response.status_code == 400 and not contains_nik(csv_response.text)


# --- refusals


@pytest.mark.parametrize(
    "body, content_type, path, status",
    [
        ("[]", "text/plain", "/v1/events", 415),
        ("[]", None, "/v1/events", 415),
        ("a,b\n", "application/json", "/v1/events/csv", 415),
        ("[]", "text/csv", "/v1/events", 415),
        ("a;b\n", "text/csv; charset=windows-1252", "/v1/events/csv", 415),
        (b"[\xff]", "application/json", "/v1/events", 400),
        ('{"event_id": "a"}', "application/json", "/v1/events", 400),
        ("", "text/csv", "/v1/events/csv", 400),
    ],
)
def test_refusals_are_one_sentence_and_publish_nothing(gateway, body, content_type, path, status):
    response = gateway.post(body, content_type=content_type, path=path)
    assert response.status_code == status
    error = response.json()["error"]
    assert error and "\n" not in error
    assert gateway.publisher.batches == []


def test_over_5000_events_is_413(gateway):
    response = gateway.post(
        "".join(json.dumps(event(i % 10)) + "\n" for i in range(5_001)), content_type="application/x-ndjson"
    )
    assert response.status_code == 413 and gateway.publisher.batches == []


def test_over_5_mb_is_413_whether_declared_or_streamed(gateway):
    big = b"[" + b" " * MAX_BODY_BYTES + b"]"
    assert gateway.post(big).status_code == 413
    assert gateway.post(b" " * (DRAIN_BYTES + 1)).status_code == 413  # not even read

    def chunks():  # no Content-Length: the body is counted as it arrives
        for _ in range(6):
            yield b" " * (1024 * 1024)

    headers = {"Authorization": "Bearer good-key", "Content-Type": "application/json"}
    assert gateway.client.post("/v1/events", content=chunks(), headers=headers).status_code == 413
    assert gateway.publisher.batches == []


def test_exactly_5_mb_is_read(gateway):
    body = b"[" + b" " * (MAX_BODY_BYTES - 2) + b"]"
    assert gateway.post(body).json() == {"accepted": 0, "rejected": [], "dry_run": False}


def test_kafka_unavailable_is_503_with_what_was_accepted_before(gateway):
    gateway.publisher.results = [ACKNOWLEDGED, UNPUBLISHED, UNPUBLISHED]
    gateway.publisher.error = "cannot reach Kafka: Unable to bootstrap"
    response = gateway.post(json.dumps([event(0), event(1, region_code=ELSEWHERE), event(2), event(3)]))
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert body["accepted"] == 1 and [r["index"] for r in body["rejected"]] == [1]
    assert [p["index"] for p in body["not_published"]] == [2, 3]
    assert (
        body["error"] == "Kafka is unavailable; resend the batch later"
    )  # one sentence, not the client library's text
    assert "bootstrap" not in response.text
    assert metric(gateway, "ucj_gateway_events_total", outcome="unpublished") == 2
    assert metric(gateway, "ucj_gateway_events_total", outcome="accepted") == 1


# --- health, metrics, logs, OpenAPI


def test_healthz_says_what_is_reachable(gateway):
    assert gateway.client.get("/healthz").json() == {"status": "ok", "kafka": "reachable", "registry": "reachable"}
    gateway.probes["kafka"] = False
    gateway.clock[0] += HEALTH_PROBE_SECONDS
    response = gateway.client.get("/healthz")
    assert response.status_code == 503 and response.json()["kafka"] == "unreachable"


def test_healthz_probes_at_most_once_a_second_however_often_it_is_asked(gateway):
    probed = []
    gateway.probes["kafka"] = True
    for _ in range(50):
        probed.append(gateway.client.get("/healthz").json()["kafka"])
        gateway.probes["kafka"] = False  # a fresh probe would now say unreachable
    assert set(probed) == {"reachable"}  # one probe answered all fifty
    gateway.clock[0] += HEALTH_PROBE_SECONDS
    assert gateway.client.get("/healthz").json()["kafka"] == "unreachable"


def test_a_repeated_unknown_key_costs_one_registry_lookup_until_it_is_forgotten(gateway):
    for _ in range(20):
        assert gateway.post("[]", key="wrong").status_code == 401
    assert gateway.keys.lookups == 1
    gateway.clock[0] += UNKNOWN_KEY_SECONDS
    assert gateway.post("[]", key="wrong").status_code == 401 and gateway.keys.lookups == 2
    assert gateway.post("[]").status_code == 200 and gateway.keys.lookups == 3  # a good key is always looked up


def test_metrics_count_requests_and_events_by_source_and_outcome(gateway):
    gateway.post(json.dumps([event(0), event(1), event(2, region_code=ELSEWHERE)]))
    gateway.post("[]", key="wrong")
    gateway.client.get("/no/such/path/" + nik())
    assert metric(gateway, "ucj_gateway_events_total", source="desa-2001", outcome="accepted") == 2
    assert metric(gateway, "ucj_gateway_events_total", source="desa-2001", outcome="region_out_of_scope") == 1
    assert metric(gateway, "ucj_gateway_requests_total", endpoint="/v1/events", status="200") == 1
    assert metric(gateway, "ucj_gateway_requests_total", endpoint="/v1/events", status="401") == 1
    assert metric(gateway, "ucj_gateway_requests_total", endpoint="other", status="404") == 1
    assert metric(gateway, "ucj_gateway_request_duration_seconds_count", endpoint="/v1/events") == 2
    # the NIKs sent, not contains_nik: the exposition's floats (timestamps, sums) hold 16-digit
    # fractions, and by chance about one in fifty has the shape of a NIK
    metrics_text = gateway.client.get("/metrics").text
    assert not any(nik(serial=serial) in metrics_text for serial in (1, 2, 3))


def test_each_request_is_logged_with_source_and_counts_but_never_a_body(gateway, caplog):
    with caplog.at_level(logging.INFO, logger="services.gateway"):
        gateway.post(json.dumps([event(0), event(1, region_code=ELSEWHERE)]))
        gateway.post("[]", key="wrong")
        gateway.post("[]", content_type="text/plain")
    assert "desa-2001: 1 accepted, 1 rejected, 0 unpublished" in caplog.text
    assert "no source: refused 401: the key is unknown or revoked" in caplog.text
    assert "source desa-2001: refused 415" in caplog.text
    assert not contains_nik(caplog.text) and "e-0" not in caplog.text and "wrong" not in caplog.text


def test_the_openapi_document_describes_every_body_answer_and_the_key(gateway):
    document = gateway.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["HTTPBearer"]["description"],
    }
    bodies = {
        path: set(document["paths"][path]["post"]["requestBody"]["content"])
        for path in ("/v1/events", "/v1/events/csv")
    }
    assert bodies == {"/v1/events": {"application/json", "application/x-ndjson"}, "/v1/events/csv": {"text/csv"}}
    for path in ("/v1/events", "/v1/events/csv"):
        operation = document["paths"][path]["post"]
        assert {"200", "400", "401", "413", "415", "503"} <= set(operation["responses"])
        assert operation["security"] == [{"HTTPBearer": []}]
        for status, response in operation["responses"].items():
            assert response["content"]["application/json"]["schema"]["$ref"].startswith("#/components/schemas/"), status
    schemas = document["components"]["schemas"]
    assert schemas["RejectedEvent"]["properties"]["reason"]["enum"] == list(REASONS)
    assert schemas["Event"]["properties"]["type"]["enum"] == ["assistance_payment", "enrollment", "lapse"]
    assert document["paths"]["/v1/events"]["post"]["responses"]["503"]["headers"]["Retry-After"]
    assert document["paths"]["/v1/whoami"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in document["paths"]["/healthz"]["get"]
    assert not contains_nik(json.dumps(document))


# --- limits (services/gateway/limits.py)


def test_a_key_over_its_request_limit_gets_429_with_retry_after_and_another_key_does_not(limited_gateway):
    statuses = [limited_gateway.post("[]").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = limited_gateway.post("[]")
    assert int(refused.headers["Retry-After"]) >= 1 and "requests a second" in refused.json()["error"]
    lookups = limited_gateway.keys.lookups
    assert (
        limited_gateway.post("[]").status_code == 429 and limited_gateway.keys.lookups == lookups
    )  # refused before the lookup
    assert limited_gateway.post("[]", key="province-key").status_code == 200
    limited_gateway.clock[0] += 1.0  # two more tokens
    assert [limited_gateway.post("[]").status_code for _ in range(3)] == [200, 200, 429]


def test_a_key_over_its_event_limit_publishes_nothing_of_the_refused_batch(limited_gateway):
    batch = json.dumps([event(i) for i in range(3000)])
    assert limited_gateway.post(batch).status_code == 200
    refused = limited_gateway.post(batch)
    assert refused.status_code == 429 and "events a second" in refused.json()["error"]
    assert len(limited_gateway.publisher.messages) == 3000
    assert limited_gateway.post(batch, dry_run="true").status_code == 200  # a dry run publishes nothing: not counted
    limited_gateway.clock[0] += 1.0
    assert limited_gateway.post(batch).status_code == 200


def test_an_address_that_sends_unknown_keys_is_stopped_before_any_lookup(limited_gateway):
    assert [limited_gateway.post("[]", key=f"guess-{n}").status_code for n in range(2)] == [401, 401]
    lookups = limited_gateway.keys.lookups
    refused = limited_gateway.post("[]", key="guess-3")
    assert refused.status_code == 429 and "unknown keys" in refused.json()["error"] and refused.headers["Retry-After"]
    assert limited_gateway.post("[]").status_code == 429  # even a good key, from that address, until it waits
    assert limited_gateway.keys.lookups == lookups
    limited_gateway.clock[0] += 30.0  # one failure a half minute
    assert limited_gateway.post("[]").status_code == 200
