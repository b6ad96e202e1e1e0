"""A real Kafka broker, a real registry and real worker processes for integration tests."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from services.dev.kafka_local import ensure_broker, stop_broker
from tests.integration.broker import empty_broker
from tests.integration.processes import ServiceProcess
from tests.services.dev.kafka_local.ports import free_port_pair
from tests.tools import child_env, copy_registry, free_port, require_tool

FIXED_NOW = "2026-06-30T12:00:00+07:00"  # the worker's clock in these tests: no flake at midnight
# port -> data dir of the session's broker, for tests that stop and start it again
# (test_failures.py): `kafka_bootstrap` starts it again for the next test if one did not.
BROKER_DATA_DIRS: dict[int, Path] = {}


@pytest.fixture(scope="session")
def session_broker(tmp_path_factory):
    """One single-node Kafka for the whole session (`kafka_bootstrap` empties it for each test)."""
    require_tool("java", "apt-get install openjdk-17-jre-headless")
    require_tool("mvn", "apt-get install maven")
    port = free_port_pair()
    data_dir = tmp_path_factory.mktemp("kafka")
    BROKER_DATA_DIRS[port] = data_dir
    try:
        yield ensure_broker(port=port, data_dir=data_dir, timeout=120)
    finally:
        stop_broker(port=port, data_dir=data_dir)


@pytest.fixture
def kafka_bootstrap(session_broker):
    """The session's broker as if new: no topics but the broker's own, no consumer groups."""
    port = int(session_broker.rsplit(":", 1)[1])
    ensure_broker(port=port, data_dir=BROKER_DATA_DIRS[port], timeout=120)  # running, unless a test stopped it
    empty_broker(session_broker)
    return session_broker


@pytest.fixture(scope="module")
def registry_url(registry_template, tmp_path_factory):
    """An initialised SQLite registry, shared by the tests of a module."""
    return copy_registry(registry_template, tmp_path_factory.mktemp("registry") / "registry.db")


class WorkerProcess(ServiceProcess):
    """`ucj worker` in a child process, with its metrics endpoint; restarts keep its port and state."""

    def __init__(
        self,
        bootstrap: str,
        database_url: str,
        state_dir: Path,
        clock: str = FIXED_NOW,
        store: str = "memory",
        options: tuple[str, ...] = (),
        kafka_env: dict[str, str] | None = None,
    ):
        self.port = free_port()
        self.log_path = state_dir / f"worker-{self.port}.log"
        self.command = [
            sys.executable,
            "-m",
            "services.cli",
            "worker",
            "--store",
            store,
            "--web-port",
            str(self.port),
            "--state-dir",
            str(state_dir / f"state-{self.port}"),
            *options,
        ]
        # kafka_env: the UCJ_KAFKA_* of the worker's principal on a secure broker
        self.env = child_env(
            **{
                "UCJ_KAFKA_BOOTSTRAP": bootstrap,
                "UCJ_DATABASE_URL": database_url,
                "UCJ_CLOCK": clock,
                "UCJ_DATA_DIR": str(state_dir),
                **(kafka_env or {}),
            }
        )
        self.start()

    def status(self) -> dict:
        with urllib.request.urlopen(self.url + "/status", timeout=10) as response:
            return json.load(response)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.running(), f"worker exited early:\n{self.log_tail()}"
            try:
                if self.status()["partitions"]:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"worker not ready after {timeout}s:\n{self.log_tail()}")


@pytest.fixture
def start_worker(kafka_bootstrap, registry_url, tmp_path):
    workers = []

    def start(**options) -> WorkerProcess:
        worker = WorkerProcess(kafka_bootstrap, registry_url, tmp_path, **options)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
