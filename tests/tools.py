"""Helpers shared by tests."""
from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str, install_hint: str = "") -> str:
    """Path of an external tool the test needs.

    Missing locally: skip, so a laptop without the tool still runs the rest.
    Missing under CI=true: fail, so CI never passes by silently skipping.
    """
    path = shutil.which(name)
    if path:
        return path
    reason = f"`{name}` is not on PATH" + (f" ({install_hint})" if install_hint else "")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true, so a missing tool is a failure, not a skip")
    pytest.skip(reason)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
