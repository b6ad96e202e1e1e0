"""Real receivers for the notifier's channels, and `ucj notifier` as a child process."""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from services.notifier.consumer import GROUP_ID
from streams.broker.topics import COVERAGE_ALERTS
from tests.integration.offsets import committed_to_end
from tests.integration.processes import ServiceProcess
from tests.integration.waiting import DEADLINE, wait_until
from tests.tools import child_env, free_port


class SmtpReceiver:
    """aiosmtpd on a free port; keeps every accepted message, or refuses all with 451 when down."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[str, object]] = []  # (recipient, parsed message)
        self.down = False
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        if self.down:
            return "451 4.3.0 try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.messages.append((recipient, parsed))
        return "250 OK"

    def received(self) -> Counter:
        """(recipient, transition id) -> how many times it arrived."""
        with self.lock:
            return Counter((r, m["X-UCJ-Transition-Id"]) for r, m in self.messages)

    def stop(self):
        self.controller.stop()


class HttpReceiver:
    """A webhook receiver: keeps every POST it accepts (2xx), answers 503 while down."""

    def __init__(self):
        self.requests: list[tuple[str, dict, dict]] = []  # (path, headers, body)
        self.refused = 0
        self.down = False
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.down:
                    with receiver.lock:
                        receiver.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b"down for maintenance")
                    return
                with receiver.lock:
                    receiver.requests.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self) -> Counter:
        """(path, Idempotency-Key) -> how many times it was accepted."""
        with self.lock:
            return Counter((path, headers.get("Idempotency-Key")) for path, headers, _ in self.requests)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class NotifierProcess(ServiceProcess):
    def __init__(
        self,
        bootstrap: str,
        database_url: str,
        log_dir: Path,
        smtp_port: int,
        extra_args=(),
        kafka_env=None,
        admin=None,
    ):
        """`kafka_env`: the UCJ_KAFKA_* of its principal on a secure broker, where `admin` (a
        KafkaAccess) reads the group's offsets."""
        self.admin = admin or bootstrap
        self.port = free_port()
        self.log_path = log_dir / f"notifier-{self.port}.log"
        self.command = [
            sys.executable,
            "-m",
            "services.cli",
            "notifier",
            "--metrics-port",
            str(self.port),
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(smtp_port),
            "--dashboard-url",
            "http://grafana.test:3000",
            "--retry-initial",
            "200ms",
            "--retry-max",
            "1s",
            "--poll-interval",
            "100ms",
            # a timeout is a failed attempt and a resend: far longer than a busy machine takes to answer
            "--http-timeout",
            "30s",
            "--smtp-timeout",
            "30s",
            *extra_args,
        ]
        self.env = child_env(
            **{
                "UCJ_KAFKA_BOOTSTRAP": bootstrap,
                "UCJ_DATABASE_URL": database_url,
                "UCJ_DATA_DIR": str(log_dir),
                **(kafka_env or {}),
            }
        )
        self.start()

    def wait_settled(self, registry, timeout: float = DEADLINE) -> None:
        """Until every alert on the topic is in the delivery log (the notifier's group has
        committed the topic's end: it enqueues before it commits) and none is pending: from
        then on it has nothing left to send, but sends already started may still arrive (finish)."""

        def settled() -> bool:
            return committed_to_end(self.admin, GROUP_ID, COVERAGE_ALERTS) and not registry.deliveries(status="pending")

        wait_until(
            settled,
            "the notifier settled: alerts read to the end, no delivery pending",
            timeout=timeout,
            every=1,
            processes=[self],
        )

    def finish(self) -> None:
        """SIGTERM, and wait: a clean stop completes the deliveries in flight, so nothing more arrives."""
        self.stop()
        assert self.process.returncode == 0, (
            f"the notifier did not stop cleanly ({self.process.returncode}):\n{self.log_tail()}"
        )
