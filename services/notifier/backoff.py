"""When to try a failed delivery again, and when to give up (pure)."""

from __future__ import annotations

import random as _random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable


@dataclass(frozen=True)
class RetryPolicy:
    initial_seconds: float = 5.0  # delay after the first failed attempt
    max_seconds: float = 900.0  # the delay doubles up to this cap (15 minutes)
    give_up_seconds: float = 24 * 3600.0  # a delivery this old is given up (status failed)
    jitter: float = 0.2  # each delay is shortened by up to this fraction, so retries spread out

    def __post_init__(self) -> None:
        if self.initial_seconds <= 0 or self.max_seconds < self.initial_seconds:
            raise ValueError("retry delays: need 0 < initial <= max")
        if self.give_up_seconds <= 0:
            raise ValueError("give-up age must be positive")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def delay(self, attempts: int, random: Callable[[], float] = _random.random) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1 for the first)."""
        exponent = min(max(attempts - 1, 0), 62)  # no overflow however long it has failed
        base = min(self.max_seconds, self.initial_seconds * 2.0**exponent)
        return base * (1.0 - self.jitter * random())

    def next_attempt(
        self, *, attempts: int, created_at: datetime, failed_at: datetime, random: Callable[[], float] = _random.random
    ) -> datetime | None:
        """When to try again after the `attempts`-th attempt failed at `failed_at`; None: give up.

        The last try happens at the give-up age, never after it.
        """
        deadline = created_at + timedelta(seconds=self.give_up_seconds)
        if failed_at >= deadline:
            return None
        return min(failed_at + timedelta(seconds=self.delay(attempts, random)), deadline)
