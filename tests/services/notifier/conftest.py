"""A real SQLite registry per test (initialised once, copied), and coordinators in it."""
from __future__ import annotations

import shutil

import pytest

from services.registry import Registry


@pytest.fixture(scope="session")
def initialised_registry_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("registry-template") / "registry.db"
    with Registry(f"sqlite:///{path}") as registry:
        registry.init()
    return path


@pytest.fixture
def registry(initialised_registry_file, tmp_path):
    path = tmp_path / "registry.db"
    shutil.copy(initialised_registry_file, path)
    with Registry(f"sqlite:///{path}") as registry:
        yield registry
