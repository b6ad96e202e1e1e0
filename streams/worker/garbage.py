"""The worker's cyclic garbage collection: on its one-second timer, not on the hot path.

The fold allocates and frees many small objects per event; reference counting frees them.
Python's cyclic collector, triggered by allocation counts, still walks the young objects
every few hundred allocations and the whole heap now and then. In bench/pipeline.py --quick
the worker processed 6,535 events/s with Python's default thresholds, 8,845 with a raised
threshold and 10,931 with automatic collection off. So the worker freezes what start-up built
(it lives as long as the worker), turns automatic collection off, and collects here instead:
the younger generations every few seconds, everything every few minutes. Cycles (some
asyncio and aiohttp objects make them) then wait seconds, not allocations, to be freed.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Callable

log = logging.getLogger(__name__)


class TimedCollection:
    def __init__(self, every: float = 5.0, full_every: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.every, self.full_every, self.clock = every, full_every, clock
        self.last = self.last_full = clock()

    def start(self) -> None:
        """Call once start-up has built what lives as long as the worker."""
        gc.collect()
        gc.freeze()
        gc.disable()

    def collect_if_due(self) -> int | None:
        """The generation collected now, if any."""
        now = self.clock()
        if now - self.last_full >= self.full_every:
            generation = 2
        elif now - self.last >= self.every:
            generation = 1
        else:
            return None
        started = time.process_time()
        found = gc.collect(generation)
        self.last = now
        if generation == 2:
            self.last_full = now
            log.debug(
                "full garbage collection: %d unreachable objects in %.3f s of CPU", found, time.process_time() - started
            )
        return generation
