"""The test helpers that keep the suite hermetic: child environments and the CI switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.tools import child_env, in_ci, require_tool

DEVELOPER_SETTINGS = {
    "UCJ_SMTP_HOST": "smtp.developer.example",
    "UCJ_SMTP_PASSWORD": "hunter2",
    "UCJ_ALERT_HOLD": "1h",
    "UCJ_ALERTMANAGER_URL": "http://alertmanager.developer.example:9093",
    "UCJ_DATA_DIR": "/home/developer/.local/state/ucj",
    "FAUST_LOOP": "asyncio",
}


def environment_of_a_child(env: dict[str, str]) -> dict[str, str]:
    """The environment a real child process sees when started with `env`."""
    done = subprocess.run(
        [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def test_a_child_gets_what_the_test_sets_and_none_of_the_developers_settings(monkeypatch, tmp_path):
    for name, value in DEVELOPER_SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")

    seen = environment_of_a_child(child_env(UCJ_DATABASE_URL="sqlite:///test.db", UCJ_DATA_DIR=str(tmp_path)))

    assert {name: value for name, value in seen.items() if name.startswith("UCJ_")} == {
        "UCJ_DATABASE_URL": "sqlite:///test.db",
        "UCJ_DATA_DIR": str(tmp_path),
    }
    assert "FAUST_LOOP" not in seen
    # what a child needs to run at all is passed on
    assert seen["PATH"] == os.environ["PATH"] and seen["LC_ALL"] == "C.UTF-8"


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", "Yes", " true "])
def test_ci_is_on(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="a missing tool is a failure"):
        require_tool("ucj-no-such-tool")


@pytest.mark.parametrize("value", ["", "false", "0", "no"])
def test_ci_is_off(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception):
        require_tool("ucj-no-such-tool")
