"""What the worker keeps of an input it does not count, for ucj.dead-letter.

The original bytes, with every NIK-shaped run of digits masked (a raw NIK must not be kept
anywhere), the reason in headers, and cut short only when one Kafka record could not carry
it: an input may be as large as the broker accepts, and the copy adds headers to it.

Masked as the detector reads text (streams.domain.nik): digits of any script, the escapes
\\u0036 or \\x36 of one digit each, one '*' per byte masked, every other byte kept. A JSON value
whose decoded strings or keys still hold a NIK after that (a NIK behind two levels of escapes,
"\\\\u0036...") is kept as its masked re-encoding instead: the same keys, values and numbers
as written, in order, minus the NIKs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .domain.nik import contains_nik, mask_nik_bytes, mask_niks

MAX_DETAIL_CHARACTERS = 500
# Record and batch framing on top of key, value and headers: a few dozen bytes, kept generous.
FRAMING_BYTES = 4096
TRUNCATED = "ucj-truncated"


@dataclass(frozen=True)
class DeadLetter:
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def dead_letter(
    key: bytes | None, value: bytes | None, reason: str, detail: str, source: str, max_record_bytes: int
) -> DeadLetter:
    """The dead letter of one input; `source` says where it was (topic/partition/offset)."""
    # masked before the cut, so the cut cannot leave part of a NIK, and after it, since cutting a
    # longer number can leave 16 digits that look like one
    masked_detail = mask_niks(mask_niks(detail)[:MAX_DETAIL_CHARACTERS])
    headers = {
        "ucj-reason": reason.encode(),
        # a lone surrogate from JSON stays readable; the bytes masked too, read as latin-1 they group other digits
        "ucj-detail": mask_nik_bytes(masked_detail.encode("utf-8", "backslashreplace")),
        "ucj-source": source.encode(),
    }
    key = None if key is None else masked_bytes(key)
    value = None if value is None else masked_bytes(value)
    key_size, value_size = len(key or b""), len(value or b"")
    room = (
        max_record_bytes
        - FRAMING_BYTES
        - sum(len(name) + len(data) for name, data in headers.items())
        - len(TRUNCATED)
        - 200
    )  # its text
    if key_size + value_size <= room:
        return DeadLetter(key, value, headers)
    room = max(room, 0)
    key = None if key is None else masked_bytes(key[:room])  # masked again, as the detail
    value = None if value is None else masked_bytes(value[: room - len(key or b"")])
    headers[TRUNCATED] = (
        f"the input was {key_size} key and {value_size} value bytes; the first {len(key or b'')} and {len(value or b'')} are kept"
    ).encode()
    return DeadLetter(key, value, headers)


def masked_bytes(data: bytes) -> bytes:
    """`data` with every NIK masked, in the raw bytes and, for JSON, in its decoded strings and keys."""
    masked = mask_nik_bytes(data)
    if b"\\" not in masked:  # without an escape the decoded strings are those of the raw text
        return masked
    for candidate in (masked, data):  # the original when masking made it other JSON (a masked number)
        try:
            value = _DECODER.decode(candidate.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
        if not _holds_nik(value):
            return masked
        try:
            return mask_nik_bytes(_encoded(value).encode("utf-8", "backslashreplace"))
        except RecursionError:  # nested deeper than the decoder minds: keep nothing rather than a NIK
            return b'"a JSON value too deeply nested to mask, holding a NIK behind escapes: dropped"'
    return masked


class _Number(str):
    """A JSON number (or NaN, Infinity) as written."""


class _Pairs(list):
    """A JSON object's (key, value) pairs, in order, repeated keys kept."""


_DECODER = json.JSONDecoder(object_pairs_hook=_Pairs, parse_int=_Number, parse_float=_Number, parse_constant=_Number)


def _holds_nik(value: Any) -> bool:
    stack = [value]
    while stack:  # iterative: nesting is bounded only by the decoder
        value = stack.pop()
        if isinstance(value, str):
            if contains_nik(value):
                return True
        elif isinstance(value, _Pairs):
            for key, inner in value:
                stack.extend((key, inner))
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _string(text: str) -> str:
    return json.dumps(mask_niks(text), ensure_ascii=False)  # a lone surrogate is escaped when encoded


def _encoded(value: Any) -> str:
    if isinstance(value, _Pairs):
        return "{" + ", ".join(f"{_string(key)}: {_encoded(inner)}" for key, inner in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_encoded(inner) for inner in value) + "]"
    if isinstance(value, _Number):
        masked = mask_niks(value)
        return str(value) if masked == value else _string(masked)
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)  # true, false, null
