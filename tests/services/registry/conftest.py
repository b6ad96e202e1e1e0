"""Fixtures: every registry test runs against each available database backend."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from services.registry import Registry
from tests.postgres import fresh_database
from tests.tools import copy_registry


# PostgreSQL is "slow": its ~120 tests and the server take about 45 s, so the fast run skips them
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database on each backend: a new SQLite file, or a new PostgreSQL database.

    Empty; or, when the test also asks for `registry`, a copy of the session's initialised
    template (Registry.init() takes far longer than a copy, and most tests need one). The
    tests of init() itself ask for `database_url` alone, or for `registry_after_init`.
    The PostgreSQL case uses the session's server (tests/conftest.py): it is skipped when
    PostgreSQL is not installed, and fails under CI.
    """
    initialised = "registry" in request.fixturenames
    if request.param == "sqlite":
        # An empty database is in a directory that does not exist yet: the registry must create it.
        path = tmp_path / "state" / "registry.db"
        yield copy_registry(request.getfixturevalue("registry_template"), path) if initialised else f"sqlite:///{path}"
        return
    # CREATE DATABASE ... TEMPLATE copies the template in one statement
    template = request.getfixturevalue("postgres_registry_template") if initialised else None
    with fresh_database(request.getfixturevalue("postgres_server"), template=template) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_registry_template(postgres_server) -> Iterator[str]:
    """A PostgreSQL database on which Registry.init() ran, once per session; copied, never used."""
    with fresh_database(postgres_server) as url:
        with Registry(url) as registry:
            registry.init()
        yield url


@pytest.fixture
def registry(database_url: str) -> Iterator[Registry]:
    """An initialised registry with the seed data (a copy of the template: see `database_url`)."""
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


def create_tables_from_before_migrations(database_url: str) -> None:
    """What `ucj registry init` created before migrations existed: the tables of revision 0001,
    and no alembic_version (made by migration 0001 itself, since today's models have more columns)."""
    from alembic import command
    from sqlalchemy import text

    from services.registry.schema import _config

    with Registry(database_url) as old, old.engine.begin() as connection:
        command.upgrade(_config(connection), "0001")
        connection.execute(text("DROP TABLE alembic_version"))
