"""The bounds within which an event is accepted (validation.py words each one as a rejection).

Wide enough for any real record, and narrow enough that every accepted event can be folded and
no field can grow a label set or a message without limit.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Container

from .events import PONTIANAK

MAX_EVENT_BYTES = 16 * 1024  # a schema v1 event is about 400 bytes
MAX_TEXT_LENGTH = 256  # any string or key of the event
MAX_ID_LENGTH = 128  # event_id and participant_id (design note)
MAX_AMOUNT_IDR = 10**12  # a trillion rupiah; a year of BPU contributions is 201,600
# Every date of an event: wide for any real record, and far enough from date.min and date.max
# that the fold's and the forecasts' arithmetic of days and months never overflows.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2100, 12, 31)
FUTURE_TOLERANCE = timedelta(minutes=5)

# The producing system, kept in every event: also the name of a gateway source (`ucj sources add`).
MAX_SOURCE_LENGTH = 64
SOURCE_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_SOURCE_LENGTH - 1}}}")
# payer_id formats: the province's or a regency's budget (APBD), a village's (APBDes), a company (CSR).
_APBD = re.compile(r"APBD-([0-9]{2}(?:\.[0-9]{2})?)")
_APBDES = re.compile(r"APBDES-([0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4})")
_CSR = re.compile(r"CSR-[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
PAYER_FORMATS = "APBD-<province or regency code>, APBDES-<village code> or CSR-<name>"

# occurred_at, as a moment: its Pontianak date must lie in EARLIEST_DATE..LATEST_DATE
_EARLIEST_MOMENT = datetime.combine(EARLIEST_DATE, time(), PONTIANAK)
_AFTER_LATEST_MOMENT = datetime.combine(LATEST_DATE + timedelta(days=1), time(), PONTIANAK)


def moment_in_range(moment: datetime) -> bool:
    """Whether the Pontianak date of an aware `moment` lies in EARLIEST_DATE..LATEST_DATE.

    Compared as moments: converting an extreme moment to Pontianak time could overflow. A moment
    in a year strictly between is in range whatever its UTC offset (less than a day), which
    spares the comparison of two offsets, slow next to the rest of a valid event's checks.
    """
    return EARLIEST_DATE.year < moment.year < LATEST_DATE.year or _EARLIEST_MOMENT <= moment < _AFTER_LATEST_MOMENT


def payer_problem(payer_id: str, regions: Container[str]) -> str | None:
    """What is wrong with `payer_id` (one of PAYER_FORMATS, naming a region of the registry), or None."""
    if _CSR.fullmatch(payer_id):
        return None
    code = _APBD.fullmatch(payer_id) or _APBDES.fullmatch(payer_id)
    if code is None:
        return f"is not {PAYER_FORMATS}"
    if code.group(1) not in regions:
        return "names a region that is not in the registry"
    return None
