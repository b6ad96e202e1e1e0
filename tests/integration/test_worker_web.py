"""A running worker serves /metrics and /status, and none of Faust's own pages."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.integration.small_province import Record
from tests.integration.streams import send_raw
from tests.integration.waiting import wait_until
from tests.streams.domain.factories import wire

pytestmark = pytest.mark.integration

PARTICIPANT = "P-web-0001"
# Faust's pages: a table's contents by key (with no credential, before issue 10), the cluster's
# workers and who owns a key, the worker's statistics, partition assignment, service graph
# and performance figures, and its index
FAUST_PAGES = [
    f"/table/participants/{PARTICIPANT}/",
    "/table/",
    "/table/participants/",
    "/router/",
    f"/router/participants/{PARTICIPANT}/",
    "/",
    "/assignment/",
    "/graph/",
    "/performance/",
]


def status_of(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def applied(worker) -> float:
    return sum(
        s.value
        for s in worker.metrics().get("ucj_events", [])
        if s.name.endswith("_total") and s.labels["outcome"] == "applied"
    )


def test_the_worker_serves_its_own_pages_only(kafka_bootstrap, start_worker):
    worker = start_worker(store="rocksdb")  # the default store, which finds a table key given as text
    worker.wait_ready()
    send_raw(kafka_bootstrap, [Record(wire(participant_id=PARTICIPANT, occurred_at="2026-06-01T09:00:00+07:00"))])
    wait_until(lambda: applied(worker) == 1, "the participant's event applied: it is in the table", processes=[worker])

    assert status_of(worker.url + "/metrics")[0] == 200
    code, body = status_of(worker.url + "/status")
    assert code == 200 and json.loads(body)["partitions"]
    served = {path: status_of(worker.url + path) for path in FAUST_PAGES}
    assert {path: code for path, (code, _) in served.items()} == {path: 404 for path in FAUST_PAGES}
    assert not any(PARTICIPANT.encode() in body for _, body in served.values())
    assert worker.running()
