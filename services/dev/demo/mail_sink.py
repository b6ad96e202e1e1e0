"""A local SMTP server that keeps what the notifier sends, for the demo to show."""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class ReceivedMail:
    at: datetime
    recipients: tuple[str, ...]
    subject: str
    path: Path


class MailSink:
    """aiosmtpd on 127.0.0.1; each message is saved as an .eml file and listed."""

    def __init__(self, directory: Path, port: int = 0):
        from aiosmtpd.controller import Controller

        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.received: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=port or _free_port())

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self) -> "MailSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            path = self.directory / f"{len(self.received) + 1:04d}.eml"
            path.write_bytes(envelope.content)
            self.received.append(ReceivedMail(datetime.now(), tuple(envelope.rcpt_tos), str(message["Subject"]), path))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
