"""The Indonesian national id number (NIK): its structure, and finding one hidden in text.

A NIK is 16 digits: province (2), regency (2), district (2), birth date as DDMMYY with 40
added to the day for women, and a serial (4). People write it with or without separators
("61.71.01.410190.0001", "6171 0101 4101 9000 01", "6171|0141|0190|0001"), inside other ids
("NIK-6171014101900001"), glued to other digits ("617101410190000101"), in other scripts'
digits (fullwidth "６１７１…", Arabic-Indic "٦١٧١…"), and as escapes ("\\u0036\\u0031…").
Anything NIK-shaped must never reach a topic, a log or a response.

How text is read (`nik_spans`), one character (or one backslash escape) at a time, so that every
position found is a position of the original text:
- a backslash escape of JSON or Python (\\u0036, \\x36, \\U00000036, \\t, \\n, ...) stands for
  the character it encodes;
- each character is normalised with NFKC (fullwidth and mathematical digits, superscripts,
  circled digits, the no-break and ideographic spaces, fullwidth punctuation become plain);
- every Unicode decimal digit is a digit (Arabic-Indic, Devanagari, Thai, ...);
- separators: any run of spaces, including every Unicode space (Zs), tab, line breaks and
  the invisible characters (control, format such as the zero-width space, combining marks),
  and at most three of . _ - / : | , (or another dash or a middle dot) among them. Three:
  enough for "6107 - 0141" or "6107.-0141", while a longer run of punctuation ("----",
  "....") is a rule or a gap in a table, not something typed inside a number;
- a digit run is groups of digits joined by separators; a NIK-shaped value is 16 consecutive
  digits of a run that form a well-formed NIK (`nik_problem`) and start or end where a group
  does. So a NIK with digits glued to one end ("610701410190000101", a NIK and a suffix;
  "006171014101900001", zero padding; a prefix code) is caught, as is a NIK among other groups
  ("12 6171014101900001"). Not caught: 16 digits in the middle of one unbroken string of
  digits, glued on both sides. Trying every window would catch that too, but random digits
  hold a NIK-shaped window in about 3% of the windows, so a 20-digit number would look like
  a NIK 13% of the time instead of 6%, and a valid occurred_at written with a space and
  microseconds ("2017-10-21 23:02:56.438298+07:00") 12% instead of 3%: a rule that rejects
  that many valid events gets switched off. tests/streams/domain/test_nik.py measures the
  false-positive rate over realistic ids; docs/registration-systems.md ("No NIK, anywhere") states it.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from typing import Callable

NIK_DIGITS = 16
# Province codes of Indonesia (Kemendagri), including the Papua provinces created in 2022.
PROVINCE_CODES = frozenset(
    [*range(11, 20), 21, *range(31, 37), *range(51, 54), *range(61, 66), *range(71, 77), 81, 82, *range(91, 98)]
)
MAX_PUNCTUATION = 3  # non-space separators between two digit groups (see the module's docstring)

# The canonical view every text is read in: ASCII digits, ASCII spaces and controls (any run),
# the separating punctuation (a few), and anything else. ASCII text is its own canonical view.
_SPACES = r"\x00-\x20\x7f"
_PUNCTUATION = "._\\-/:|,"
_SEPARATOR = rf"(?:[{_SPACES}]+(?:[{_PUNCTUATION}][{_SPACES}]*){{0,{MAX_PUNCTUATION}}}|(?:[{_PUNCTUATION}][{_SPACES}]*){{1,{MAX_PUNCTUATION}}})"
_DIGIT_RUN = re.compile(rf"[0-9]+(?:{_SEPARATOR}[0-9]+)*")
_DIGIT = re.compile("[0-9]")
_DIGIT_GROUP = re.compile("[0-9]+")
_NOT_DIGIT = re.compile("[^0-9]+")
_ALL_SEPARATORS = re.compile(rf"[{_SPACES}{_PUNCTUATION}]+")
# Backslash escapes of JSON and Python: each stands for the one character it encodes.
# A JSON surrogate pair is one escape: mathematical digits (U+1D7CE...) are written so.
_ESCAPE = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|U[0-9a-fA-F]{8}|[\"\\/bfnrtv])"
)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_INVISIBLE = frozenset(["Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"])
_DASHES = frozenset("\u00b7\u2022\u2027\u2212\u2219\u22c5\u30fb")  # besides every Pd: middle dots, bullets, minus


def _canonical(char: str) -> str:
    """What one character is in the canonical view: usually one character, some NFKC forms more."""
    out = []
    for part in unicodedata.normalize("NFKC", char) or "x":
        if part.isascii():
            out.append(part)
            continue
        value = unicodedata.decimal(part, None)
        if value is not None:
            out.append(str(value))
        elif part.isspace() or unicodedata.category(part) in _INVISIBLE:
            out.append(" ")
        elif part in _DASHES or unicodedata.category(part) == "Pd":
            out.append("-")
        else:
            out.append("x")
    return "".join(out)


_CACHED = 50_000


class _Table(dict[int, str]):
    """For str.translate: each code point's canonical view, computed when first met."""

    def __init__(self, undecodable_is_space: bool):
        super().__init__()
        self.undecodable_is_space = undecodable_is_space

    def __missing__(self, code: int) -> str:
        if len(self) >= _CACHED:  # text may hold any of a million code points: keep memory bounded
            self.clear()
        if code < 0x80:
            value = chr(code)
        elif 0xDC80 <= code <= 0xDCFF and self.undecodable_is_space:
            value = " "  # a byte that is not UTF-8 (surrogateescape): latin-1 no-break space, UTF-16 halves...
        else:
            value = _canonical(chr(code))
        self[code] = value
        return value


_TEXT = _Table(undecodable_is_space=False)
_BYTES = _Table(undecodable_is_space=True)  # for mask_nik_bytes, where these stand for bytes of another encoding


def _unescape(escape: str) -> str:
    kind = escape[1]
    if kind in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[kind]
    if len(escape) == 12:  # a surrogate pair
        return chr(0x10000 + ((int(escape[2:6], 16) - 0xD800) << 10) + int(escape[8:], 16) - 0xDC00)
    code = int(escape[2:], 16)
    return chr(code) if code <= 0x10FFFF else "x"


def _view(text: str, table: _Table) -> tuple[str, list[tuple[int, int]] | None]:
    """The canonical view of `text` and, unless it is position for position the same text,
    for each of its characters the (start, end) in `text` of the character or escape it comes from."""
    if "\\" not in text:
        view = text if text.isascii() else text.translate(table)
        if len(view) == len(text):
            return view, None
        tokens = [(index, index + 1, table[ord(char)]) for index, char in enumerate(text)]
    else:
        tokens = []
        done = 0
        for escape in _ESCAPE.finditer(text):
            tokens.extend((index, index + 1, table[ord(text[index])]) for index in range(done, escape.start()))
            decoded = _unescape(escape.group())
            tokens.append((escape.start(), escape.end(), table[ord(decoded)] if len(decoded) == 1 else "x"))
            done = escape.end()
        tokens.extend((index, index + 1, table[ord(text[index])]) for index in range(done, len(text)))
    view = "".join(part for _, _, part in tokens)
    origin = [(start, end) for start, end, part in tokens for _ in part]
    return view, origin


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


def _is_nik(digits: str) -> bool:
    # the province first: it alone turns away most windows
    return int(digits[:2]) in PROVINCE_CODES and nik_problem(digits) is None


def normalize_nik(text: str) -> str | None:
    """The 16 ASCII digits of a NIK typed with or without separators, in any digits, or None if it is not one."""
    view, _ = _view(text, _TEXT)
    digits = _ALL_SEPARATORS.sub("", view)
    return digits if nik_problem(digits) is None else None


def digits_of(text: str) -> str:
    """Every digit of `text`, in any digits, as ASCII and in order: what a typed NIK's problem is judged on."""
    return _NOT_DIGIT.sub("", _view(text, _TEXT)[0])


def _view_spans(view: str) -> list[tuple[int, int]]:
    """(start, end) in `view` of each 16-digit window of a digit run that is a well-formed NIK
    and starts or ends where a group of digits does."""
    spans = []
    for run in _DIGIT_RUN.finditer(view):
        text = run.group()
        digits = _NOT_DIGIT.sub("", text)
        if len(digits) < NIK_DIGITS:
            continue
        places = [match.start() + run.start() for match in _DIGIT.finditer(text)]  # of each digit in `view`
        firsts = set()  # digit indices where a window may start
        count = 0
        for group in _DIGIT_GROUP.finditer(text):
            firsts.add(count)
            count += group.end() - group.start()
            firsts.add(count - NIK_DIGITS)
        for first in sorted(firsts):
            if 0 <= first <= len(digits) - NIK_DIGITS and _is_nik(digits[first : first + NIK_DIGITS]):
                spans.append((places[first], places[first + NIK_DIGITS - 1] + 1))
    return spans


def _spans(text: str, table: _Table) -> list[tuple[int, int]]:
    view, origin = _view(text, table)
    spans = _view_spans(view)
    if origin is None or not spans:
        return spans
    return [(origin[start][0], origin[end - 1][1]) for start, end in spans]


def nik_spans(text: str) -> list[tuple[int, int]]:
    """Where NIK-shaped values are in `text`: (start, end) of each, separators included.

    Each is 16 consecutive digits of a digit run (digits joined by separators) that form a
    well-formed NIK, read as the module's docstring says: NFKC, any decimal digits, escapes.
    Spans may overlap. A 20-digit id such as "20261201123456789012" holds none; a NIK with
    digits before or after it ("610701410190000101") is found.
    """
    return _spans(text, _TEXT)


# A quick first look, since nik_spans is slow: a NIK-shaped value is at least 16 digits and
# separators in a row, which nearly no text holds. Looked for in the UTF-8 bytes with every
# such byte translated to "0" and every other to "x": several times faster than a regex.
# Every byte of a non-ASCII character counts, since NFKC may make it a digit or a separator;
# text with a backslash is looked at with its escapes decoded.
_NIK_BYTES = frozenset(b"0123456789" + _PUNCTUATION.replace("\\", "").encode() + bytes(range(0x21)) + b"\x7f")
_AS_ZEROS = bytes(0x30 if byte in _NIK_BYTES or byte >= 0x80 else 0x78 for byte in range(256))
_NIK_WINDOW = b"0" * NIK_DIGITS


def contains_nik(text: str) -> bool:
    if "\\" in text:
        look = _ESCAPE.sub(lambda escape: _unescape(escape.group()), text)
    else:
        look = text
    # surrogatepass: a decoded JSON escape can leave an unpaired surrogate, never part of a NIK
    # find, not `in`: bytes.__contains__ tries its operand as an int first, raising and clearing an error
    if look.encode("utf-8", "surrogatepass").translate(_AS_ZEROS).find(_NIK_WINDOW) < 0:
        return False
    return bool(nik_spans(text))


def _masked(text: str, table: _Table, width: Callable[[str], int]) -> str:
    """`text` with every character or escape that gives a digit of a NIK-shaped value replaced by '*'s."""
    view, origin = _view(text, table)
    spans = _view_spans(view)
    if not spans:
        return text
    digits: dict[int, int] = {}  # start -> end in `text` of each character or escape to mask
    done = 0
    for start, end in spans:  # in order of their starts
        # whole groups of digits: masking part of one would make a new end of a group, where a
        # window the first look passed over could start or end
        while start > 0 and "0" <= view[start - 1] <= "9":
            start -= 1
        while end < len(view) and "0" <= view[end] <= "9":
            end += 1
        for place in range(max(start, done), end):
            if "0" <= view[place] <= "9":
                first, last = (place, place + 1) if origin is None else origin[place]
                digits[first] = last
        done = max(done, end)
    out = []
    done = 0
    for start in sorted(digits):
        if start >= done:  # several view digits may come from one character
            out.append(text[done:start])
            out.append("*" * width(text[start : digits[start]]))
            done = digits[start]
    out.append(text[done:])
    return "".join(out)


def mask_niks(text: str) -> str:
    """`text` with every digit of every NIK-shaped value, and of the groups of digits it is
    part of ("610701410190000101" becomes 18 '*'), replaced by '*' (one per character, and one
    per character of an escape), everything else as it was."""
    return _masked(text, _TEXT, len)


def mask_nik_bytes(data: bytes) -> bytes:
    """mask_niks over raw bytes, one '*' per byte masked, every other byte kept.

    Read as UTF-8, where a byte that is not UTF-8 counts as a separator (so that ASCII digits
    survive no other encoding: latin-1's no-break space, UTF-16's zero bytes), and as latin-1,
    where each byte is a character: a reader may take the bytes either way, and where the
    groups of digits end, and so which windows are NIK-shaped, depends on it. Masking in one
    reading can change the other's, so both are repeated until neither masks anything."""
    if data.isascii():  # both readings are the same text
        text = data.decode("ascii")
        masked = _masked(text, _TEXT, len)
        return data if masked is text else masked.encode("ascii")
    while True:
        text = data.decode("utf-8", "surrogateescape")
        masked = _masked(text, _BYTES, lambda part: len(part.encode("utf-8", "surrogateescape")))
        if masked is not text:
            data = masked.encode("utf-8", "surrogateescape")
        text = data.decode("latin-1")
        masked = _masked(text, _TEXT, len)
        if masked is text:
            return data
        data = masked.encode("latin-1")
