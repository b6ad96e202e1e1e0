"""Fixtures: every registry test runs against each available database backend."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import create_engine

from services.registry import Registry
from services.registry.models import Base

# SQLite always; PostgreSQL too when a disposable database is given (its tables are dropped).
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("UCJ_TEST_POSTGRES_URL") else [])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        # A directory that does not exist yet: the registry must create it.
        yield f"sqlite:///{tmp_path / 'state' / 'registry.db'}"
        return
    url = os.environ["UCJ_TEST_POSTGRES_URL"]
    _drop_tables(url)
    yield url
    _drop_tables(url)


def _drop_tables(url: str) -> None:
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()


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
