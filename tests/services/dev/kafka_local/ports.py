"""Free ports for test brokers, which need PORT and PORT+1 (and PORT+2 for TLS)."""

from __future__ import annotations

import socket

from services.dev.kafka_local import manager


def free_port_pair() -> int:
    """PORT and PORT+1: a broker's clients and its controller."""
    return free_port_run(2)


def free_port_triple() -> int:
    """PORT, PORT+1 and PORT+2: a TLS broker's, whose SASL_SSL listener is on PORT+2."""
    return free_port_run(3)


def free_port_run(count: int) -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if all(manager._port_free(port + offset) for offset in range(count)):
            return port
    raise RuntimeError(f"found no {count} adjacent free ports")
