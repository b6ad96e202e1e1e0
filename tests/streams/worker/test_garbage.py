"""The worker's timed garbage collection frees reference cycles when due, and only then."""

import gc
import weakref

import pytest

from streams.worker.garbage import TimedCollection


class Cycle:
    def __init__(self):
        self.me = self


@pytest.fixture
def collection():
    enabled = gc.isenabled()
    now = [0.0]
    timed = TimedCollection(every=5.0, full_every=300.0, clock=lambda: now[0])
    timed.start()
    yield timed, now
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_automatic_collection_is_off_and_a_cycle_waits_for_the_timer(collection):
    timed, now = collection
    assert not gc.isenabled()
    cycle = weakref.ref(Cycle())
    for _ in range(100_000):  # far past Python's allocation thresholds
        _ = [[]]
    assert cycle() is not None
    now[0] = 4.9
    assert timed.collect_if_due() is None and cycle() is not None
    now[0] = 5.0
    assert timed.collect_if_due() == 1 and cycle() is None


def test_everything_is_collected_every_few_minutes(collection):
    timed, now = collection
    for moment in (5.0, 10.0, 299.0):
        now[0] = moment
        assert timed.collect_if_due() == 1
    now[0] = 300.0
    assert timed.collect_if_due() == 2
    now[0] = 304.0
    assert timed.collect_if_due() is None
