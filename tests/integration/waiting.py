"""The one way integration tests wait: poll a condition until it holds, within a generous deadline.

A slow or busy machine makes a wait longer, never a test wrong: the wait ends as soon as the
condition holds, and the deadline only bounds a test that would otherwise hang.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, TypeVar

from kafka.errors import KafkaError

T = TypeVar("T")

DEADLINE = 180.0  # seconds


def wait_until(
    condition: Callable[[], T],
    what: str | Callable[[], str],
    *,
    timeout: float = DEADLINE,
    every: float = 0.5,
    processes: Iterable = (),
) -> T:
    """The first truthy value of `condition()`, called every `every` seconds.

    Fails when `timeout` seconds have passed, saying what it waited for (`what`, or what it
    returns when called then, to show the state at the deadline), or as soon as one of
    `processes` (ServiceProcess) has exited, with the end of its log. An OSError or a
    KafkaError from the condition, such as an endpoint or a group coordinator not answering
    yet, counts as "not yet".
    """
    processes = list(processes)
    deadline = time.monotonic() + timeout
    error: Exception | None = None
    while True:
        for process in processes:
            if not process.running():
                raise AssertionError(f"{_describe(what)}: {process.log_path.name} exited\n{process.log_tail()}")
        try:
            result = condition()
        except (OSError, KafkaError) as failure:
            error, result = failure, None
        if result:
            return result
        if time.monotonic() > deadline:
            last_error = f" (last error: {error})" if error else ""
            logs = "".join(f"\n--- {p.log_path.name}\n{p.log_tail()}" for p in processes)
            raise AssertionError(f"not within {timeout:.0f} s: {_describe(what)}{last_error}{logs}")
        time.sleep(every)


def _describe(what: str | Callable[[], str]) -> str:
    """What was waited for; a description that fails (a dead process's endpoint) says so, not raises."""
    if not callable(what):
        return what
    try:
        return what()
    except Exception as failure:  # noqa: BLE001 - the log tail after it is what matters
        return f"(the description failed: {failure!r})"
