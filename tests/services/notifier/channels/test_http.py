"""post_json against a real local HTTP server."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.notifier.channels import DeliveryFailed
from services.notifier.channels.http import post_json
from tests.tools import free_port


@pytest.fixture
def server():
    seen = []
    released = threading.Event()  # /slow answers only when the test is over: a timeout never races the answer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, dict(self.headers), body))
            if self.path == "/slow":
                released.wait(60)
            status = {"/ok": 200, "/accepted": 202, "/down": 503, "/moved": 302, "/bad": 400}.get(self.path, 200)
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/ok")
            self.end_headers()
            try:
                self.wfile.write(b"no thanks" if status >= 300 else b"{}")
            except BrokenPipeError:  # the client timed out (/slow)
                pass

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    released.set()
    httpd.shutdown()
    httpd.server_close()


def test_2xx_is_delivered_with_json_and_headers(server):
    url, seen = server
    assert post_json(url + "/ok", {"a": "é"}, headers={"Idempotency-Key": "k:1"}) == 200
    assert post_json(url + "/accepted", [1]) == 202
    path, headers, body = seen[0]
    assert body == {"a": "é"} and headers["Content-Type"] == "application/json" and headers["Idempotency-Key"] == "k:1"


@pytest.mark.parametrize("path, reason", [("/down", "HTTP 503"), ("/bad", "HTTP 400"), ("/moved", "HTTP 302")])
def test_other_statuses_fail_with_the_reason(server, path, reason):
    url, seen = server
    with pytest.raises(DeliveryFailed, match=reason):
        post_json(url + path, {})
    assert [p for p, _, _ in seen] == [path]  # a redirect is not followed


def test_no_listener_and_timeouts_fail(server):
    with pytest.raises(DeliveryFailed, match="cannot reach"):
        post_json(f"http://127.0.0.1:{free_port()}/x", {}, timeout=2)
    url, _ = server
    with pytest.raises(DeliveryFailed):
        post_json(url + "/slow", {}, timeout=0.3)
