"""Running promtool and amtool from the tests, with their output in the failure message."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.tools import child_env

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
ALERTMANAGER = ROOT / "deploy" / "alertmanager"


def run(*command: str | Path, cwd: Path = ROOT, expect_success: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=child_env(), capture_output=True, text=True, timeout=120
    )
    if expect_success:
        assert done.returncode == 0, (
            f"`{' '.join(str(part) for part in command)}` exited with {done.returncode}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
    return done


def load(path: Path):
    with path.open() as file:
        return yaml.safe_load(file)


def alert_rules() -> list[dict]:
    groups = load(PROMETHEUS / "rules" / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]
