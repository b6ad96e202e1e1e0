"""The Indonesian national id number (NIK): its structure, and finding one hidden in text.

A NIK is 16 digits: province (2), regency (2), district (2), birth date as DDMMYY with 40
added to the day for women, and a serial (4). Registration systems write it with or without
separators ("61.71.01.410190.0001", "6171 0101 4101 9000 01") and inside other ids
("NIK-6171014101900001"). Anything NIK-shaped must never reach a topic, a log or a response.
"""
from __future__ import annotations

import calendar
import re

NIK_DIGITS = 16
# Province codes of Indonesia (Kemendagri), including the Papua provinces created in 2022.
PROVINCE_CODES = frozenset(
    [*range(11, 20), 21, *range(31, 37), *range(51, 54), *range(61, 66), *range(71, 77), 81, 82, *range(91, 98)]
)
# Digits joined by short runs of the separators people type between digit groups.
_SEPARATOR_CHARS = " \t._-/:"
_SEPARATORS = f"[{re.escape(_SEPARATOR_CHARS)}]"
_DIGIT_RUN = re.compile(rf"\d+(?:{_SEPARATORS}{{1,3}}\d+)*")
_DIGIT_GROUP = re.compile(r"\d+")
_TEXT_SEPARATORS = re.compile(rf"{_SEPARATORS}+")
# A quick first look, since nik_spans is slow: a NIK-shaped value is at least 16 ASCII digits
# and separators in a row, which nearly no text holds. Looked for in the UTF-8 bytes with every
# such byte translated to "0" and every other to "x": several times faster than a regex.
_NIK_BYTES = frozenset(b"0123456789" + _SEPARATOR_CHARS.encode())
_AS_ZEROS = bytes(0x30 if byte in _NIK_BYTES else 0x78 for byte in range(256))
_NIK_WINDOW = b"0" * NIK_DIGITS


def nik_problem(digits: str) -> str | None:
    """Why `digits` (exactly the 16 digits) is not a well-formed NIK, or None when it is."""
    if len(digits) != NIK_DIGITS or not digits.isascii() or not digits.isdigit():
        return "a NIK is 16 digits"
    province, regency, district = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if province not in PROVINCE_CODES:
        return "the first two digits of a NIK are a province code"
    if regency == 0 or district == 0:
        return "digits 3 to 6 of a NIK are a regency and a district code, neither 00"
    if day > 40:  # women: day + 40
        day -= 40
    # the century is unknown: a year ending in a multiple of 4 may have had a 29 February
    longest = calendar.monthrange(2000 if year % 4 == 0 else 2001, month)[1] if 1 <= month <= 12 else 0
    if not 1 <= day <= longest:
        return "digits 7 to 12 of a NIK are a birth date (DDMMYY, day + 40 for women)"
    if digits[12:] == "0000":
        return "the last four digits of a NIK are a serial number, not 0000"
    return None


def normalize_nik(text: str) -> str | None:
    """The 16 digits of a NIK typed with or without separators, or None if it is not one."""
    digits = _TEXT_SEPARATORS.sub("", text.strip())
    return digits if nik_problem(digits) is None else None


def nik_spans(text: str) -> list[tuple[int, int]]:
    """Where NIK-shaped values are in `text`: (start, end) of each, separators included.

    A NIK-shaped value is a sequence of whole digit groups, joined by separators, holding
    exactly 16 digits that form a well-formed NIK. Whole groups only: a 20-digit number or
    a timestamp is not a NIK, while "12 6171014101900001" and "61.71.01.410190.0001" hold one.
    """
    spans = []
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in _DIGIT_GROUP.finditer(run.group())]
        for first in range(len(groups)):
            count = 0
            for last in range(first, len(groups)):
                count += groups[last][1] - groups[last][0]
                if count >= NIK_DIGITS:
                    break
            if count == NIK_DIGITS:
                start, end = groups[first][0], groups[last][1]
                if nik_problem(_TEXT_SEPARATORS.sub("", text[start:end])) is None:
                    spans.append((start, end))
    return spans


def contains_nik(text: str) -> bool:
    # surrogatepass: a decoded JSON escape can leave an unpaired surrogate, never part of a NIK
    # find, not `in`: bytes.__contains__ tries its operand as an int first, raising and clearing an error
    maybe = text.encode("utf-8", "surrogatepass").translate(_AS_ZEROS).find(_NIK_WINDOW) >= 0
    return maybe and bool(nik_spans(text))


def mask_niks(text: str) -> str:
    """`text` with every digit of every NIK-shaped value replaced by '*'."""
    spans = nik_spans(text)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for index in range(start, end):
            if chars[index].isdigit():
                chars[index] = "*"
    return "".join(chars)


def mask_nik_bytes(data: bytes) -> bytes:
    """mask_niks over raw bytes of any encoding: digits are ASCII, every other byte is kept."""
    return mask_niks(data.decode("latin-1")).encode("latin-1")
