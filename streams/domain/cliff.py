"""The lapse cliff (design note, "Lapse cliff"): active participants whose assistance ends soon
with nothing after it, by who pays for the last covered day.

Only coverage paid by an assistance payer counts. Self-paid participants pay month by month,
so nearly all of them always have coverage ending within the horizon with nothing after it
yet: counting them would make every region's cliff permanent. An assistance payment ends by
a budget decision (the end of a budget year above all), which is what the forecast is for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .fold import Coverage
from .history import Span, active_spans

CLIFF_HORIZON_DAYS = 60


@dataclass(frozen=True, slots=True)
class CliffContribution:
    region_code: str
    payer: str  # payer group of the assistance that pays the last day (see payer_group)
    last_day: date  # the last covered day; the participant is no longer active the day after


def payer_group(payer_id: str) -> str:
    """A bounded name for a payer: APBD-<province or regency code>; village budgets and companies grouped."""
    for prefix in ("APBDES", "CSR"):
        if payer_id.startswith(prefix):
            return prefix
    return payer_id


def cliff_on(
    coverage: Coverage, day: date, spans: tuple[Span, ...] | None = None, horizon_days: int = CLIFF_HORIZON_DAYS
) -> CliffContribution | None:
    """The participant's contribution to the cliff seen on `day`, if it is on the edge.

    `spans` are the coverage's active_spans, when the caller has them already.
    """
    if coverage.region_code is None:
        return None
    spans = active_spans(coverage) if spans is None else spans
    if not spans:
        return None
    start, end = spans[-1]  # a later span would mean something comes after: no cliff
    if not (start <= day <= end) or end >= day + timedelta(days=horizon_days):
        return None
    payers = sorted(i.payer_id for i in coverage.intervals if i.payer_id is not None and i.covers(end))
    if not payers:  # self-paid to the end: renewed month by month, not a cliff
        return None
    return CliffContribution(coverage.region_code, payer_group(payers[0]), end)
