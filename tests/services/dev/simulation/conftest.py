"""Streams generated once per test session, with a fixed clock."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from services.dev.simulation import generate_events, load_geography

PONTIANAK = timezone(timedelta(hours=7))
NOW = datetime(2025, 12, 15, 12, 0, tzinfo=PONTIANAK)
START = date(2024, 1, 1)


def stream(participants: int, seed: int, **overrides) -> list:
    arguments = dict(participants=participants, seed=seed, start=START, end=NOW.date(), now=NOW)
    arguments.update(overrides)
    return list(generate_events(**arguments))


def originals(records) -> list[dict]:
    """The valid events, each once."""
    return [json.loads(r.value) for r in records if r.valid and not r.duplicate]


@pytest.fixture(scope="session")
def geography():
    return load_geography()


@pytest.fixture(scope="session")
def small_stream():
    return stream(2_000, seed=11)


@pytest.fixture(scope="session")
def large_stream():
    return stream(20_000, seed=5)
