"""A real SQLite registry per test (a copy of the session's initialised template), and coordinators in it."""
from __future__ import annotations

import pytest

from services.registry import Registry
from tests.tools import copy_registry


@pytest.fixture
def registry(registry_template, tmp_path):
    with Registry(copy_registry(registry_template, tmp_path / "registry.db")) as registry:
        yield registry
