"""The lapse cliff (design note, "Lapse cliff"): active participants whose coverage ends soon
with nothing after it, by who paid for the last covered day."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .fold import Coverage
from .history import active_spans

CLIFF_HORIZON_DAYS = 60
SELF_PAID = "self_paid"


@dataclass(frozen=True, slots=True)
class CliffContribution:
    region_code: str
    payer: str  # payer_id of the assistance that pays the last day, or "self_paid"
    last_day: date  # the last covered day; the participant is no longer active the day after


def cliff_on(coverage: Coverage, day: date, horizon_days: int = CLIFF_HORIZON_DAYS) -> CliffContribution | None:
    """The participant's contribution to the cliff seen on `day`, if it is on the edge."""
    if coverage.region_code is None:
        return None
    spans = active_spans(coverage)
    if not spans:
        return None
    start, end = spans[-1]  # a later span would mean something comes after: no cliff
    if not (start <= day <= end) or end >= day + timedelta(days=horizon_days):
        return None
    payers = sorted(i.payer_id for i in coverage.intervals if i.payer_id is not None and i.covers(end))
    return CliffContribution(coverage.region_code, payers[0] if payers else SELF_PAID, end)
