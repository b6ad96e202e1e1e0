"""Fixtures shared by every test package."""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import URL

from tests.postgres import server_from_environment, throwaway_server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[URL]:
    """A PostgreSQL server for the whole session: UCJ_TEST_POSTGRES_URL, or a throwaway cluster.

    Skips when PostgreSQL is not installed (fails under CI=true); see tests/postgres.py.
    """
    given = server_from_environment()
    if given is not None:
        yield given
        return
    with throwaway_server() as url:
        yield url
