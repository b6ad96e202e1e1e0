"""Fixtures shared by every test package, and the hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import URL

from services.registry import Registry
from tests.cpu_hog import cpu_hog  # noqa: F401 (an autouse fixture: UCJ_TEST_CPU_HOG=N keeps N cores busy)
from tests.postgres import server_from_environment, throwaway_server
from tests.tools import in_ci

# No deadline: on a loaded machine (CI, two cores shared by parallel runs) one example of the
# fold or the codec can take longer than hypothesis's default 200 ms, which is then reported
# as a failure though nothing is wrong. "ci" keeps the default number of examples; "dev" runs
# fewer so the unit tests stay quick at a desk. HYPOTHESIS_PROFILE picks one by name.
settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if in_ci() else "dev"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[URL]:
    """A PostgreSQL server for the whole session: UCJ_TEST_POSTGRES_URL, or a throwaway cluster.

    Skips when PostgreSQL is not installed (fails under CI); see tests/postgres.py.
    """
    given = server_from_environment()
    if given is not None:
        yield given
        return
    with throwaway_server() as url:
        yield url


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory) -> Path:
    """An SQLite registry file on which Registry.init() ran, once per session.

    init() applies every migration and loads 2,334 regions, the workforce and the plan; tests
    that need an initialised registry copy this file (tests/tools.py copy_registry) instead.
    Never open it for writing.
    """
    path = tmp_path_factory.mktemp("registry-template") / "registry.db"
    with Registry(f"sqlite:///{path}") as registry:
        registry.init()
    return path
