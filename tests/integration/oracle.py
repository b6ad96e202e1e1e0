"""An independent count of active participants, written from the design note without the product's code.

Input: the valid events as JSON objects. Output: active participants per region code
(the region itself and all its sub-regions), on one day; or each active participant's region.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7))


def _day(text: str | None, occurred_at: datetime) -> date:
    return date.fromisoformat(text) if text else occurred_at.astimezone(WIB).date()


def active_by_region(events: list[dict], on: date) -> Counter:
    counts: Counter = Counter()
    for region in active_participants(events, on).values():
        parts = region.split(".")
        for n in range(1, len(parts) + 1):  # Kemendagri codes nest by prefix
            counts[".".join(parts[:n])] += 1
    return counts


def active_participants(events: list[dict], on: date) -> dict[str, str]:
    """participant_id -> region code of every participant active on the day."""
    by_participant: dict[str, dict[tuple[str, str], dict]] = defaultdict(dict)
    for event in events:
        # an event is its source and event_id; the first copy wins, since the generated streams
        # only redeliver identical copies
        by_participant[event["participant_id"]].setdefault((event.get("source"), event["event_id"]), event)
    active: dict[str, str] = {}
    for participant, history in by_participant.items():
        ordered = sorted(
            history.values(),
            key=lambda e: (datetime.fromisoformat(e["occurred_at"]), e["event_id"], e.get("source") or ""),
        )
        spans: list[list[date]] = []
        region = None
        for e in ordered:
            at = datetime.fromisoformat(e["occurred_at"])
            if e["type"] == "enrollment":
                spans.append([_day(e.get("covered_from"), at), date.fromisoformat(e["paid_through"])])
            elif e["type"] == "assistance_payment":
                spans.append([date.fromisoformat(e["period_start"]), date.fromisoformat(e["period_end"])])
            else:
                cut = _day(e.get("effective_date"), at) - timedelta(days=1)
                spans = [[s, min(t, cut)] for s, t in spans]
            region = e["region_code"]
        if region is not None and any(s <= on <= t for s, t in spans):
            active[participant] = region
    return active
