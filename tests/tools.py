"""Helpers shared by tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# What a child process may take from the environment of the test run: enough to find Python,
# Java and temporary space, and the locale. Nothing else, and above all no UCJ_* variable: a
# developer's UCJ_SMTP_HOST, UCJ_ALERT_HOLD or UCJ_ALERTMANAGER_URL would change what the
# child does, so a test would pass or fail depending on whose shell it ran in.
INHERITED = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "JAVA_HOME", "VIRTUAL_ENV"}
INHERITED_PREFIXES = ("LC_", "PYTHON")


def in_ci() -> bool:
    """True when CI is set to true, 1 or yes (CI services set one of them)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_tool(name: str, install_hint: str = "") -> str:
    """Path of an external tool the test needs.

    Missing locally: skip, so a laptop without the tool still runs the rest.
    Missing under CI (see in_ci): fail, so CI never passes by silently skipping.
    """
    path = shutil.which(name)
    if path:
        return path
    reason = f"`{name}` is not on PATH" + (f" ({install_hint})" if install_hint else "")
    if in_ci():
        pytest.fail(f"{reason}; CI={os.environ['CI']}, so a missing tool is a failure, not a skip")
    pytest.skip(reason)


def child_env(**settings: str) -> dict[str, str]:
    """The environment of a child process: the allowlisted variables of ours, plus `settings`.

    Every child process a test starts gets its environment from here, e.g.
    `child_env(UCJ_KAFKA_BOOTSTRAP=bootstrap, UCJ_DATABASE_URL=url, UCJ_DATA_DIR=str(tmp_path))`.
    Give a `ucj` command its own UCJ_DATA_DIR: the default is the developer's ~/.local/state/ucj.
    """
    inherited = {
        name: value for name, value in os.environ.items() if name in INHERITED or name.startswith(INHERITED_PREFIXES)
    }
    return {**inherited, **settings}


def copy_registry(template: Path, path: Path) -> str:
    """Copy an initialised SQLite registry file (see the `registry_template` fixture) to `path`; its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_secret(path: Path, text: str) -> Path:
    """Write a secret file as an operator must (mode 0600, whatever the umask): services.common.secrets
    refuses a *_FILE that its group or others can read."""
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path
