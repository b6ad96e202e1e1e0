"""UCJ_TEST_CPU_HOG=N: the run keeps N cores busy, to prove the suite holds on a loaded machine.

One `yes > /dev/null` child per core, started before the first test and stopped after the
last. A test that passes only on an idle CPU fails under it.
"""

from __future__ import annotations

import os
import subprocess
from typing import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def cpu_hog() -> Iterator[int]:
    text = os.environ.get("UCJ_TEST_CPU_HOG", "0")
    if not text.isdigit():
        raise pytest.UsageError(f"UCJ_TEST_CPU_HOG={text!r}: give the number of cores to keep busy, e.g. 1")
    hogs = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(int(text))]
    try:
        yield len(hogs)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
