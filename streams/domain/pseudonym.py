"""The participant_id of a NIK: a keyed hash under the province's pseudonym key.

The same NIK gives the same participant_id on every path (gateway, `ucj produce
--pseudonymize`, EventPublisher), so a worker registered by a village and by Disnaker is
one participant. Without the key nobody can test a guessed NIK against the ids.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from .nik import nik_problem

PREFIX = "pn1_"  # pseudonymised NIK, scheme 1
DIGEST_BYTES = 20  # 160 bits: 32 base32 characters, no padding
MIN_KEY_BYTES = 32
# exactly what Pseudonymizer.participant_id writes: the prefix and 32 lower-case base32 characters
PATTERN = rf"^{PREFIX}[a-z2-7]{{32}}$"  # also the gateway's OpenAPI pattern
_PSEUDONYM = re.compile(PATTERN)


def is_pseudonym(text: str) -> bool:
    """Whether `text` has the exact form of a participant_id made by Pseudonymizer."""
    return _PSEUDONYM.fullmatch(text) is not None


class Pseudonymizer:
    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the pseudonym key must be at least {MIN_KEY_BYTES} bytes long, got {len(key)}")
        self._key = key

    def participant_id(self, nik: str) -> str:
        """The pseudonym of a well-formed 16-digit NIK (see nik.normalize_nik).

        Base32 in lower case has no 0, 1, 8 or 9, so a pseudonym can never look like a NIK.
        """
        problem = nik_problem(nik)
        if problem is not None:
            raise ValueError(problem)
        digest = hmac.new(self._key, nik.encode("ascii"), hashlib.sha256).digest()[:DIGEST_BYTES]
        return PREFIX + base64.b32encode(digest).decode("ascii").lower()

    def __repr__(self) -> str:  # never show the key
        return "Pseudonymizer(<key>)"
