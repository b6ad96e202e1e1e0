"""The README's hands-on walkthrough ("Try it by hand"), run as a newcomer runs it: its commands in
order, from its own code blocks, in a fresh HOME (so ~/.local/state/ucj is the test's), on free
ports, with the example files of docs/examples/; each output the guide promises is checked.

The walkthrough's lines are read from the README, not copied here: each is matched to a step
below, and a line no step knows fails the test, so the walkthrough cannot grow a command this
test does not run. What differs from a desk, and only that: the ports (the broker's `--port`,
UCJ_WEB_PORT, UCJ_GATEWAY_PORT, and the URLs of the `curl` lines), the worker's clock (fixed, as
in every integration test), the Kafka jars (the cache setup.sh filled), and `curl`, whose requests
are made with urllib exactly as the lines spell them (headers, body file, URL).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from services.dev.kafka_local import manager
from tests.docs.guides import ROOT, code_blocks, section
from tests.integration.conftest import FIXED_NOW
from tests.integration.processes import ServiceProcess
from tests.integration.waiting import wait_until
from tests.services.dev.kafka_local.ports import free_port_pair
from tests.tools import child_env, free_port, require_tool

pytestmark = pytest.mark.integration

WALKTHROUGH = section("## Try it by hand")


def walkthrough_lines() -> list[str]:
    """Each command line of the walkthrough's shell blocks, continuations joined."""
    lines = []
    for block in code_blocks(WALKTHROUGH):
        lines += [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]
    return lines


def promise(line: str) -> str:
    """The comment of a line: what the guide says it prints or does."""
    return line.split("#", 1)[1].strip() if "#" in line else ""


def command(line: str) -> str:
    return line.split("  #", 1)[0].strip() if "  #" in line else line.strip()


class Background(ServiceProcess):
    """A `ucj ... &` of the walkthrough."""

    def __init__(self, words: list[str], env: dict[str, str], log_path: Path, port: int):
        self.port, self.log_path, self.env = port, log_path, env
        self.command = [sys.executable, "-m", "services.cli", *words]
        self.start()


class Walkthrough:
    def __init__(self, tmp_path: Path):
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.kafka_port, self.web_port, self.gateway_port = free_port_pair(), free_port(), free_port()
        self.env = child_env(
            HOME=str(self.home),
            UCJ_KAFKA_BOOTSTRAP=f"127.0.0.1:{self.kafka_port}",
            UCJ_WEB_PORT=str(self.web_port),
            UCJ_GATEWAY_PORT=str(self.gateway_port),
            UCJ_CLOCK=FIXED_NOW,
            UCJ_KAFKA_JARS_DIR=str(manager.jars_dir()),
        )
        self.env.pop("UCJ_DATA_DIR", None)  # the default, ~/.local/state/ucj, in the fresh HOME
        self.data_dir = self.home / ".local" / "state" / "ucj"
        self.variables: dict[str, str] = {}
        self.background: list[Background] = []
        self.answers: list[tuple[str, int, dict]] = []
        self.log: list[str] = []

    # --- running

    def ucj(self, words: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "services.cli", *words],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.log.append(f"$ ucj {shlex.join(words)}\n{done.stdout}{done.stderr}")
        assert done.returncode == 0, (
            f"`ucj {shlex.join(words)}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
        return done

    def expand(self, word: str) -> str:
        word = re.sub(r"^~(?=/)", str(self.home), word)
        return re.sub(r"\$(\w+)", lambda m: self.variables[m.group(1)], word)

    def ports(self, text: str) -> str:
        return text.replace("127.0.0.1:8080", f"127.0.0.1:{self.gateway_port}").replace(
            "localhost:6066", f"127.0.0.1:{self.web_port}"
        )

    def run(self, line: str) -> None:
        text = command(line)
        words = shlex.split(text)
        if re.fullmatch(r"\(umask 077; openssl rand -base64 48 > (\S+)\)", text):
            require_tool("openssl", "apt-get install openssl")
            subprocess.run(["bash", "-c", text], env=self.env, check=True, cwd=ROOT)
            key_file = Path(self.expand(text.split("> ", 1)[1].rstrip(")")))
            assert oct(key_file.stat().st_mode & 0o777) == "0o600" and len(key_file.read_text().strip()) >= 64
        elif m := re.fullmatch(r"(\w+)=\$\((ucj .*) \| tail -n 1\)", text):
            self.variables[m.group(1)] = self.ucj(shlex.split(m.group(2))[1:]).stdout.splitlines()[-1]
        elif text.endswith(" &"):
            self.start(words[:-1])
        elif words[0] == "ucj":
            self.foreground(words[1:], line)
        elif words[0] == "curl":
            self.curl(text)
        else:
            pytest.fail(f"the walkthrough shows `{text}`, which this test does not know how to run")

    def foreground(self, words: list[str], line: str) -> None:
        if words[:2] == ["kafka", "up"]:
            require_tool("java", manager.INSTALL_HINT)
            if not manager.jars_complete(manager.jars_dir()):
                require_tool("mvn", manager.INSTALL_HINT)
            out = self.ucj([*words, "--port", str(self.kafka_port), "--timeout", "120"]).stdout
            assert f"bootstrap: 127.0.0.1:{self.kafka_port}" in out and "topics:" in out
        elif words[:2] == ["registry", "init"]:
            self.ucj(words)
            assert (self.data_dir / "registry.db").is_file()  # "SQLite registry in ~/.local/state/ucj"
        elif words[0] == "produce":
            done = self.ucj(words)
            assert promise(line) and promise(line) in done.stdout, (promise(line), done.stdout, done.stderr)
        elif words[0] == "status":
            self.wait_processed()
            out = self.ucj(words).stdout
            assert "Kalimantan Barat" in out and "Kabupaten Bengkayang" in out, out  # "the table per regency"
        else:
            self.ucj(words)

    def start(self, words: list[str]) -> None:
        env = dict(self.env)
        while words and re.fullmatch(r"[A-Z_]+=\S+", words[0]):
            name, value = words.pop(0).split("=", 1)
            env[name] = self.expand(value)
        assert words[0] == "ucj", words
        name = words[1]
        port = {"worker": self.web_port, "gateway": self.gateway_port}[name]
        process = Background(words[1:], env, self.home / f"{name}.log", port)
        self.background.append(process)
        if name == "worker":  # "metrics on http://127.0.0.1:6066/metrics"
            wait_until(
                lambda: self.get(f"{process.url}/status").get("partitions"),
                "the worker owning its partitions",
                timeout=120,
                processes=[process],
            )
        else:  # "on http://127.0.0.1:8080"
            wait_until(
                lambda: self.get(f"{process.url}/healthz").get("status") == "ok",
                "the gateway healthy",
                timeout=60,
                processes=[process],
            )

    def curl(self, text: str) -> None:
        words = [self.expand(word) for word in shlex.split(self.ports(text))]
        headers, body, url = {}, None, None
        i = 1
        while i < len(words):
            word = words[i]
            if word == "-H":
                name, value = words[i + 1].split(": ", 1)
                headers[name] = value
                i += 2
            elif word == "--data-binary":
                assert words[i + 1].startswith("@"), words[i + 1]
                body = (ROOT / words[i + 1][1:]).read_bytes()
                i += 2
            elif word in ("-s", "-sS"):
                i += 1
            elif word == "|":
                break
            else:
                url = word
                i += 1
        if body is None:  # the metrics line: curl -s .../metrics | grep '^ucj_consumer_lag_messages'
            assert url.endswith("/metrics") and "grep '^ucj_consumer_lag_messages'" in text
            self.wait_processed()
            return
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, answer = response.status, json.load(response)
        except urllib.error.HTTPError as error:
            status, answer = error.code, json.load(error)
        self.log.append(f"$ {text}\n{status} {answer}")
        self.answers.append((text, status, answer))

    # --- looking

    @staticmethod
    def get(url: str) -> dict:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)

    def lags(self) -> list[float]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/metrics", timeout=10) as response:
            text = response.read().decode()
        return [
            float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("ucj_consumer_lag_messages")
        ]

    def wait_processed(self) -> None:
        """ "0 everywhere: all processed"."""
        workers = [process for process in self.background if process.port == self.web_port]
        wait_until(
            lambda: (lags := self.lags()) and not any(lags),
            "ucj_consumer_lag_messages 0 on every partition",
            timeout=120,
            processes=workers,
        )

    def stop(self) -> None:
        for process in reversed(self.background):
            process.stop()
        subprocess.run(
            [sys.executable, "-m", "services.cli", "kafka", "down", "--port", str(self.kafka_port)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            timeout=120,
        )


@pytest.fixture
def walkthrough(tmp_path):
    walk = Walkthrough(tmp_path)
    try:
        yield walk
    finally:
        walk.stop()


def test_the_walkthrough_shows_what_it_promises(walkthrough):
    lines = walkthrough_lines()
    assert lines[0].startswith("ucj kafka up") and any("docs/examples/events.jsonl" in line for line in lines)
    for line in lines:
        walkthrough.run(line)
    report = "\n".join(walkthrough.log)

    # the three curl answers, as the text under the block promises them
    (_, status, first), (_, status2, second), (_, status3, third) = walkthrough.answers
    assert status == 200 and first["accepted"] == 1 and first["dry_run"] is False, report
    assert [(r["index"], r["line"], r["reason"]) for r in first["rejected"]] == [(1, 5, "region_out_of_scope")], report
    assert '"accepted": 1, "rejected": [{"index": 1, "line": 5, "reason": "region_out_of_scope"' in " ".join(
        WALKTHROUGH.split()
    )
    for status, answer in ((status2, second), (status3, third)):
        assert status == 200 and answer == {"accepted": 2, "rejected": [], "dry_run": False}, report
    assert '"accepted": 2, "rejected": []' in WALKTHROUGH

    # every event of the walkthrough reached the counts: 5 by ucj produce, 5 through the gateway
    walkthrough.wait_processed()
    applied = wait_until(lambda: _applied(walkthrough) >= 10 and _applied(walkthrough), "10 events applied", timeout=60)
    assert applied == 10, report

    # the guide for registration systems: a dry run, and a parameter that is not understood
    key = walkthrough.variables["KEY"]
    gateway = f"http://127.0.0.1:{walkthrough.gateway_port}/v1/events/csv"
    body = (ROOT / "docs/examples/assistance.csv").read_bytes()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "text/csv"}
    with urllib.request.urlopen(
        urllib.request.Request(gateway + "?dry_run=true", data=body, headers=headers), timeout=60
    ) as response:
        assert json.load(response) == {"accepted": 2, "rejected": [], "dry_run": True}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(
            urllib.request.Request(gateway + "?dry_run=maybe", data=body, headers=headers), timeout=60
        )
    assert refused.value.code == 422 and set(json.load(refused.value)) == {"error"}

    # a worker start logs no alarming, harmless error
    worker_log = (walkthrough.home / "worker.log").read_text(errors="replace")
    assert not [line for line in worker_log.splitlines() if "ERROR" in line and "GroupCoordinatorNotAvailable" in line]


def _applied(walk: Walkthrough) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{walk.web_port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return int(
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("ucj_events_total{") and 'outcome="applied"' in line
        )
    )
