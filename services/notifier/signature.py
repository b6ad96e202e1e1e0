"""Signed webhooks (pure): the `X-UCJ-Signature` header, made and checked.

    X-UCJ-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body bytes>">

the scheme Stripe's and GitHub's receivers already know. The key is the coordinator's secret
as UTF-8 bytes. The timestamp is signed with the body, so a captured request cannot be
replayed once it is older than the receiver's tolerance. A header may carry several `v1`
values (a receiver accepts it when any one matches); the notifier sends one.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-UCJ-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
TIMESTAMP_DIGITS = 12  # unix seconds until the year 33658: a longer t is malformed, not a huge number


class SignatureError(ValueError):
    """A request whose signature does not verify; the message says why in one sentence,
    never with the secret or the expected signature."""


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`."""
    signed = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The value of the X-UCJ-Signature header for `body` sent at `timestamp` (unix seconds)."""
    if not secret:
        raise ValueError("a webhook is signed with a non-empty secret")
    return f"t={int(timestamp)},{SCHEME}={signature(secret, body, timestamp)}"


def verify(
    secret: str, body: bytes, header: str | None, now: float, tolerance: float = DEFAULT_TOLERANCE_SECONDS
) -> int:
    """Check a header against the raw body; returns its timestamp, or raises SignatureError.

    The timestamp must lie within `tolerance` seconds of `now`, either way. Signatures are
    compared in constant time.
    """
    timestamp, candidates = parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError(
            f"the signature's timestamp is {abs(now - timestamp):.0f} s from now, more than the {tolerance:.0f} s allowed"
        )
    expected = signature(secret, body, timestamp).encode("ascii")
    # every candidate is compared, so the time taken does not say which one matched
    if not sum(hmac.compare_digest(expected, candidate.encode("utf-8")) for candidate in candidates):
        raise SignatureError("the signature does not match the body and timestamp")
    return timestamp


def parse(header: str | None) -> tuple[int, list[str]]:
    """(t, the v1 signatures) of a header; raises SignatureError when it has no t or no v1."""
    if not header:
        raise SignatureError(f"no {HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit() and len(value) <= TIMESTAMP_DIGITS:
            timestamp = int(value)
        elif name == SCHEME and value.isascii() and value:  # a hex signature is ASCII; anything else cannot match
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError(
            f"the {HEADER} header needs t=<unix seconds, at most {TIMESTAMP_DIGITS} digits> and {SCHEME}=<hex signature>"
        )
    return timestamp, candidates
