"""`ucj gateway`: its settings, and refusing to start without the pseudonym key."""

from __future__ import annotations

import subprocess
import sys

import pytest

from services.gateway.settings import GatewaySettings
from tests.tools import child_env


def test_defaults_env_and_flags():
    assert (GatewaySettings.from_env({}).host, GatewaySettings.from_env({}).port) == ("127.0.0.1", 8080)
    env = {"UCJ_GATEWAY_HOST": "0.0.0.0", "UCJ_GATEWAY_PORT": "9000", "UCJ_KAFKA_BOOTSTRAP": "kafka:9092"}
    settings = GatewaySettings.from_env(env)
    assert (settings.host, settings.port, settings.kafka.bootstrap) == ("0.0.0.0", 9000, "kafka:9092")
    flagged = GatewaySettings.from_env(env, host="10.0.0.1", port=8181)
    assert (flagged.host, flagged.port) == ("10.0.0.1", 8181)


@pytest.mark.parametrize("port", ["http", "0", "70000"])
def test_a_bad_port_is_one_sentence(port):
    with pytest.raises(SystemExit, match="port"):
        GatewaySettings.from_env({"UCJ_GATEWAY_PORT": port})


def test_the_gateway_does_not_start_without_a_pseudonym_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "gateway", "--port", "1"],
        env=child_env(UCJ_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "UCJ_PSEUDONYM_KEY" in line and "does not start" in line


def test_a_key_too_short_is_refused_too(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("short\n")
    key_file.chmod(0o600)  # a secret file must be private (services/common/secrets.py)
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "gateway"],
        env=child_env(UCJ_DATA_DIR=str(tmp_path), UCJ_PSEUDONYM_KEY_FILE=str(key_file)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "at least 32 bytes" in result.stderr
