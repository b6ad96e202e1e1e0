"""`ucj gateway` in a child process, as the gateway and dashboard tests run it."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.integration.conftest import FIXED_NOW
from tests.integration.processes import ServiceProcess
from tests.integration.waiting import wait_until
from tests.tools import child_env, free_port


class GatewayProcess(ServiceProcess):
    """`ucj gateway` on its own port (free, unless given), healthy once constructed.

    `key_env` gives it the test's pseudonym key: {"UCJ_PSEUDONYM_KEY_FILE": path} or
    {"UCJ_PSEUDONYM_KEY": key}. Its clock is `clock`, like the worker's in the same test.
    """

    def __init__(
        self,
        bootstrap: str,
        database_url: str,
        state_dir: Path,
        key_env: dict[str, str],
        clock: str = FIXED_NOW,
        port: int | None = None,
        options: tuple[str, ...] = (),
    ):
        self.port = port or free_port()
        self.log_path = state_dir / f"gateway-{self.port}.log"
        self.command = [sys.executable, "-m", "services.cli", "gateway", "--port", str(self.port), *options]
        self.env = child_env(
            UCJ_KAFKA_BOOTSTRAP=bootstrap,
            UCJ_DATABASE_URL=database_url,
            UCJ_CLOCK=clock,
            UCJ_DATA_DIR=str(state_dir),
            **key_env,
        )
        self.start()
        wait_until(
            lambda: self.call("GET", "/healthz")[0] == 200, f"the gateway on port {self.port} healthy", processes=[self]
        )

    def call(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None, key: str | None = None
    ):
        """(status, headers, decoded JSON body) of one request."""
        headers = {"Content-Type": content_type} if content_type else {}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(self.url + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, answer, text = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer, text = error.code, error.headers, error.read()
        return status, answer, json.loads(text) if text.startswith((b"{", b"[")) else text.decode()

    def post(
        self,
        body: str | bytes,
        content_type: str = "application/json",
        key: str | None = None,
        path: str = "/v1/events",
    ):
        return self.call("POST", path, body.encode() if isinstance(body, str) else body, content_type, key)
