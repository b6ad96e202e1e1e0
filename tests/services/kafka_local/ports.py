"""Free ports for test brokers, which need PORT and PORT+1."""
from __future__ import annotations

import socket

from services.kafka_local import manager


def free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if manager._port_free(port) and manager._port_free(port + 1):
            return port
    raise RuntimeError("found no two adjacent free ports")
