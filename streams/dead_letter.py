"""What the worker keeps of an input it does not count, for ucj.dead-letter.

The original bytes, with every NIK-shaped run of digits masked (a raw NIK must not be kept
anywhere), the reason in headers, and cut short only when one Kafka record could not carry
it: an input may be as large as the broker accepts, and the copy adds headers to it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .domain.nik import mask_nik_bytes, mask_niks

MAX_DETAIL_CHARACTERS = 500
# Record and batch framing on top of key, value and headers: a few dozen bytes, kept generous.
FRAMING_BYTES = 4096
TRUNCATED = "ucj-truncated"


@dataclass(frozen=True)
class DeadLetter:
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def dead_letter(key: bytes | None, value: bytes | None, reason: str, detail: str, source: str, max_record_bytes: int) -> DeadLetter:
    """The dead letter of one input; `source` says where it was (topic/partition/offset)."""
    # masked before the cut, so the cut cannot leave part of a NIK, and after it, since cutting a
    # longer number can leave 16 digits that look like one
    masked_detail = mask_niks(mask_niks(detail)[:MAX_DETAIL_CHARACTERS])
    headers = {
        "ucj-reason": reason.encode(),
        "ucj-detail": masked_detail.encode("utf-8", "backslashreplace"),  # a lone surrogate from JSON stays readable
        "ucj-source": source.encode(),
    }
    key = None if key is None else mask_nik_bytes(key)
    value = None if value is None else mask_nik_bytes(value)
    key_size, value_size = len(key or b""), len(value or b"")
    room = max_record_bytes - FRAMING_BYTES - sum(len(name) + len(data) for name, data in headers.items()) - len(TRUNCATED) - 200  # its text
    if key_size + value_size <= room:
        return DeadLetter(key, value, headers)
    room = max(room, 0)
    key = None if key is None else mask_nik_bytes(key[:room])  # masked again, as the detail
    value = None if value is None else mask_nik_bytes(value[: room - len(key or b"")])
    headers[TRUNCATED] = (
        f"the input was {key_size} key and {value_size} value bytes; the first {len(key or b'')} and {len(value or b'')} are kept"
    ).encode()
    return DeadLetter(key, value, headers)
