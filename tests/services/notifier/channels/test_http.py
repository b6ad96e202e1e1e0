"""post_json against a real local HTTP server."""

from __future__ import annotations

import json

import pytest

from services.notifier.channels import DeliveryFailed
from services.notifier.channels.http import post_json
from services.notifier.signature import verify
from tests.tools import free_port


def test_2xx_is_delivered_with_json_and_headers(server):
    url, seen = server
    assert post_json(url + "/ok", {"a": "é"}, headers={"Idempotency-Key": "k:1"}) == 200
    assert post_json(url + "/accepted", [1]) == 202
    path, headers, raw = seen[0]
    assert (
        json.loads(raw) == {"a": "é"}
        and headers["Content-Type"] == "application/json"
        and headers["Idempotency-Key"] == "k:1"
    )
    assert "X-UCJ-Signature" not in headers  # no secret, no signature


def test_a_signed_post_carries_a_signature_of_the_bytes_sent(server):
    url, seen = server
    post_json(url + "/ok", {"a": "é"}, signing_secret="ucjw_test", clock=lambda: 1767225600.9)
    _, headers, raw = seen[0]
    assert headers["X-UCJ-Signature"].startswith("t=1767225600,v1=")
    assert verify("ucjw_test", raw, headers["X-UCJ-Signature"], now=1767225600) == 1767225600


@pytest.mark.parametrize("path, reason", [("/down", "HTTP 503"), ("/bad", "HTTP 400"), ("/moved", "HTTP 302")])
def test_other_statuses_fail_with_the_reason(server, path, reason):
    url, seen = server
    with pytest.raises(DeliveryFailed, match=reason):
        post_json(url + path, {})
    assert [p for p, _, _ in seen] == [path]  # a redirect is not followed


def test_no_listener_and_timeouts_fail(server):
    port = free_port()
    with pytest.raises(DeliveryFailed, match=f"cannot reach 127.0.0.1:{port}: .*refused") as failed:
        post_json(f"http://127.0.0.1:{port}/hooks/T0KEN", {}, timeout=2)
    assert "T0KEN" not in str(failed.value)  # a webhook URL's path may hold a token
    url, _ = server
    with pytest.raises(DeliveryFailed):
        post_json(url + "/slow", {}, timeout=0.3)
