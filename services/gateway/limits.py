"""What keeps a flood of requests from reaching the database and the probes (pure, clock given).

- Unknown keys are remembered for a short while, so a client that repeats a wrong or revoked
  key costs no database lookup each time. Only a digest of the key is kept.
- /healthz answers from one probe at most every HEALTH_PROBE_SECONDS, however often it is asked.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict

UNKNOWN_KEY_SECONDS = 10.0  # how long an unknown key is answered 401 without asking the registry
UNKNOWN_KEYS_KEPT = 10_000  # the oldest are forgotten first
HEALTH_PROBE_SECONDS = 1.0


class UnknownKeys:
    """Digests of keys the registry did not know, each for UNKNOWN_KEY_SECONDS."""

    def __init__(self, seconds: float = UNKNOWN_KEY_SECONDS, kept: int = UNKNOWN_KEYS_KEPT):
        self.seconds, self.kept = seconds, kept
        self._until: OrderedDict[bytes, float] = OrderedDict()

    def known_unknown(self, key: str, now: float) -> bool:
        digest = _digest(key)
        until = self._until.get(digest)
        if until is None:
            return False
        if now >= until:
            del self._until[digest]
            return False
        return True

    def remember(self, key: str, now: float) -> None:
        digest = _digest(key)
        self._until.pop(digest, None)
        self._until[digest] = now + self.seconds
        while len(self._until) > self.kept:
            self._until.popitem(last=False)

    def __len__(self) -> int:
        return len(self._until)


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
