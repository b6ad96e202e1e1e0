"""Fixtures: every registry test runs against each available database backend."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import make_url

from services.registry import Registry
from tests.postgres import copy_database, fresh_database
from tests.tools import copy_registry


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a new SQLite file, or a new PostgreSQL database.

    The PostgreSQL case uses the session's server (tests/conftest.py): it is skipped when
    PostgreSQL is not installed, and fails under CI.
    """
    if request.param == "sqlite":
        # A directory that does not exist yet: the registry must create it.
        yield f"sqlite:///{tmp_path / 'state' / 'registry.db'}"
        return
    with fresh_database(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_registry_template(postgres_server) -> Iterator[str]:
    """A PostgreSQL database on which Registry.init() ran, once per session; copied, never used."""
    with fresh_database(postgres_server) as url:
        with Registry(url) as registry:
            registry.init()
        yield url


@pytest.fixture
def registry(database_url: str, request: pytest.FixtureRequest) -> Iterator[Registry]:
    """An initialised registry with the seed data, in the database of `database_url`.

    A copy of the session's template (init() takes far longer than a copy, and about 240
    tests need one); tests of init() itself use `registry_after_init` or run it themselves.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        copy_registry(request.getfixturevalue("registry_template"), Path(url.database))
    else:
        server = request.getfixturevalue("postgres_server")
        copy_database(server, request.getfixturevalue("postgres_registry_template"), database_url)
    with Registry(database_url) as registry:
        yield registry


@pytest.fixture
def registry_after_init(database_url: str) -> Iterator[Registry]:
    """A registry on which this test ran Registry.init() itself: for the tests of init's seed data."""
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
