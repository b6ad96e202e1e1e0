"""Fixtures: every registry test runs against each available database backend."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from services.registry import Registry
from tests.postgres import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a new SQLite file, or a new PostgreSQL database.

    The PostgreSQL case uses the session's server (tests/conftest.py): it is skipped when
    PostgreSQL is not installed, and fails under CI=true.
    """
    if request.param == "sqlite":
        # A directory that does not exist yet: the registry must create it.
        yield f"sqlite:///{tmp_path / 'state' / 'registry.db'}"
        return
    with fresh_database(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def registry(database_url: str) -> Iterator[Registry]:
    """An initialised registry with the seed data."""
    with Registry(database_url) as registry:
        registry.init()
        yield registry


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str], Path]:
    """Write CSV text to a new file and return its path."""
    counter = iter(range(1_000_000))

    def write(text: str) -> Path:
        path = tmp_path / f"upload-{next(counter)}.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write
