"""What keeps one client from stalling ingest for the others (pure, the clock given).

- Token buckets: per key (by its digest), for requests, checked before the key is looked up;
  per source, for published events; per client address, for unknown keys. An empty bucket is a
  429 with Retry-After, before any database lookup or any publish.
- Unknown keys are remembered for a short while, so a client that repeats a wrong or revoked
  key costs no database lookup each time. Only a digest of the key is kept.
- /healthz answers from one probe at most every HEALTH_PROBE_SECONDS, however often it is asked.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass

UNKNOWN_KEY_SECONDS = 10.0  # how long an unknown key is answered 401 without asking the registry
UNKNOWN_KEYS_KEPT = 10_000  # the oldest are forgotten first
HEALTH_PROBE_SECONDS = 1.0


BUCKETS_KEPT = 10_000  # per kind of bucket; the least recently used are forgotten (full again) first


@dataclass(frozen=True)
class Limits:
    """Per source key, and per client address for failed logins; docs/registration-systems.md, "Limits"."""

    requests_per_second: float = 20.0
    request_burst: int = 60
    events_per_second: float = 2_000.0
    event_burst: int = 20_000  # at least one batch of the most events a request may hold
    failed_logins_per_minute: float = 20.0
    failed_login_burst: int = 20

    def problem(self, max_events: int) -> str | None:
        """Why these limits cannot work, in one sentence; None when they can."""
        if min(self.requests_per_second, self.events_per_second, self.failed_logins_per_minute) <= 0:
            return "every rate limit must be above 0"
        if min(self.request_burst, self.failed_login_burst) < 1:
            return "every burst must be at least 1"
        if self.event_burst < max_events:
            return f"the event burst must be at least {max_events:,}, the most events one request may hold"
        return None


class Buckets:
    """One token bucket per name: `rate` tokens a second, at most `burst` of them, full at first."""

    def __init__(self, rate: float, burst: float, kept: int = BUCKETS_KEPT):
        self.rate, self.burst, self.kept = rate, burst, kept
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # name -> (tokens, at)

    def _tokens(self, name: str, now: float) -> float:
        tokens, at = self._buckets.get(name, (self.burst, now))
        return min(self.burst, tokens + max(0.0, now - at) * self.rate)

    def take(self, name: str, amount: float, now: float) -> float:
        """Take `amount` tokens: 0 when taken, else the seconds until they could be (nothing is taken)."""
        tokens = self._tokens(name, now)
        if tokens >= amount:
            tokens -= amount
            waited = 0.0
        else:
            waited = (amount - tokens) / self.rate
        self._buckets.pop(name, None)
        self._buckets[name] = (tokens, now)
        while len(self._buckets) > self.kept:
            self._buckets.popitem(last=False)
        return waited

    def waiting(self, name: str, now: float) -> float:
        """Seconds until one token is there; 0 when one is."""
        tokens = self._tokens(name, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


class UnknownKeys:
    """Digests of keys the registry did not know, each for UNKNOWN_KEY_SECONDS."""

    def __init__(self, seconds: float = UNKNOWN_KEY_SECONDS, kept: int = UNKNOWN_KEYS_KEPT):
        self.seconds, self.kept = seconds, kept
        self._until: OrderedDict[str, float] = OrderedDict()

    def known_unknown(self, key: str, now: float) -> bool:
        digest = key_digest(key)
        until = self._until.get(digest)
        if until is None:
            return False
        if now >= until:
            del self._until[digest]
            return False
        return True

    def remember(self, key: str, now: float) -> None:
        digest = key_digest(key)
        self._until.pop(digest, None)
        self._until[digest] = now + self.seconds
        while len(self._until) > self.kept:
            self._until.popitem(last=False)

    def __len__(self) -> int:
        return len(self._until)


def key_digest(key: str) -> str:
    """What names a key in memory here: its SHA-256, never the key itself."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
