"""A real SQLite registry per test (a copy of the session's initialised template), and a local HTTP receiver."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.registry import Registry
from tests.tools import copy_registry


@pytest.fixture
def registry(registry_template, tmp_path):
    with Registry(copy_registry(registry_template, tmp_path / "registry.db")) as registry:
        yield registry


@pytest.fixture
def server():
    """A local HTTP server: (its URL, the (path, headers, raw body) of every POST it got).

    /ok 200, /accepted 202, /down 503, /moved 302, /bad 400, /slow answers when the test is over.
    """
    seen = []
    released = threading.Event()  # /slow answers only when the test is over: a timeout never races the answer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.path, self.headers, raw))  # headers: looked up in any case, as HTTP does
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
