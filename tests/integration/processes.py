"""A `ucj` service in a child process, as the integration tests run them."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families


class ServiceProcess:
    """Logs to `log_path`; `port` serves /metrics. Restarts keep the command and the log."""

    port: int
    log_path: Path
    command: list[str]
    env: dict[str, str]  # from tests.tools.child_env: never the developer's UCJ_* settings

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no commit, no flush."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=60)  # the notifier finishes sends in flight: up to its 30 s timeout
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def metrics(self) -> dict[str, list]:
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
            text = response.read().decode()
        return {family.name: family.samples for family in text_string_to_metric_families(text)}

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
