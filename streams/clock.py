"""The one place that reads the time, so tests and simulations can move it.

UCJ_CLOCK may hold a fixed moment ("2025-01-01" or "2025-01-01T08:00:00+07:00"), an
offset from the real time ("+30d", "-2h", "+90m", "+15s"), or "@PATH": a file holding one
of those, read again whenever it changes, to move the clock of a running process.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .domain.events import PONTIANAK, local_date

_OFFSET = re.compile(r"([+-])(\d+(?:\.\d+)?)([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


@dataclass(frozen=True)
class Clock:
    fixed: datetime | None = None
    offset: timedelta = timedelta(0)

    @classmethod
    def parse(cls, spec: str | None) -> "Clock":
        if not spec:
            return cls()
        if spec.startswith("@"):
            return FileClock(path=Path(spec[1:]))
        match = _OFFSET.fullmatch(spec.strip())
        if match:
            sign, amount, unit = match.groups()
            delta = timedelta(**{_UNITS[unit]: float(amount)})
            return cls(offset=-delta if sign == "-" else delta)
        try:
            moment = datetime.fromisoformat(spec.strip())
        except ValueError:
            raise ValueError(f"clock {spec!r}: expected an ISO date or timestamp, or an offset like +30d") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=PONTIANAK)
        return cls(fixed=moment)

    @classmethod
    def from_env(cls) -> "Clock":
        return cls.parse(os.environ.get("UCJ_CLOCK"))

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed
        return datetime.fromtimestamp(time.time(), timezone.utc) + self.offset

    def today(self) -> date:
        """Today in Asia/Pontianak, where days start at local midnight."""
        return local_date(self.now())


@dataclass(frozen=True)
class FileClock(Clock):
    """A clock whose setting lives in a file, so tests can move a running worker's time."""

    path: Path = Path()
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def now(self) -> datetime:
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if self._cache.get("stamp") != stamp or "clock" not in self._cache:
            spec = self.path.read_text().strip() if stamp is not None else ""
            self._cache.update(stamp=stamp, clock=Clock.parse(spec) if not spec.startswith("@") else Clock())
        return self._cache["clock"].now()
