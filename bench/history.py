"""Participants with a long history in order: the events of the bench's history-depth phase.

A participant of depth d enrolled for one month, d months before the final month, and then had
its regency's budget (APBD) pay its contribution every month: d prior events, then one final
assistance payment for the final month, each occurring at the start of its month, so the
final one comes after every other in fold order. Ten years of monthly payments is depth 120.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Iterator

from streams.domain.events import PONTIANAK, AssistancePaid, ParticipantEnrolled, ParticipantEvent
from streams.domain.regions import RegionTree

MONTHLY_ASSISTANCE_IDR = 16_800  # the design note's assistance per worker per month
SOURCE = "bench"


def month_back(month: date, months: int) -> date:
    """The first day of the month `months` before `month`'s."""
    index = month.year * 12 + month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return month_back(month, -1) - timedelta(days=1)


def history(participant_id: str, village: str, payer_id: str, depth: int, final_month: date) -> list[ParticipantEvent]:
    """`depth` prior events and the final payment, in fold order (depth >= 1)."""
    months = [month_back(final_month, depth - i) for i in range(depth + 1)]
    common = dict(participant_id=participant_id, region_code=village, segment="BPU", source=SOURCE)
    at = [datetime.combine(month, time(8), PONTIANAK) for month in months]
    enrolled = ParticipantEnrolled(
        event_id=f"{participant_id}-0",
        occurred_at=at[0],
        covered_from=months[0],
        paid_through=month_end(months[0]),
        **common,
    )
    paid = [
        AssistancePaid(
            event_id=f"{participant_id}-{i}",
            occurred_at=at[i],
            payer_id=payer_id,
            period_start=months[i],
            period_end=month_end(months[i]),
            amount_idr=MONTHLY_ASSISTANCE_IDR,
            **common,
        )
        for i in range(1, depth + 1)
    ]
    return [enrolled, *paid]


def histories(
    tree: RegionTree, depth: int, participants: int, final_month: date, seed: int = 11
) -> Iterator[list[ParticipantEvent]]:
    """One history per participant, each in a village of the tree, paid for by that village's regency."""
    rng, villages = random.Random(seed + depth), tree.codes_at("village")
    for n in range(participants):
        village = rng.choice(villages)
        yield history(f"D{depth}-{n:07d}", village, f"APBD-{tree.regency_of(village)}", depth, final_month)
