"""The stream looks like Kalimantan Barat: regions, segments, waves, programmes and lapses.

Measured generation speed (Python 3.11, one core): 60,000-90,000 records/s. 300,000
participants from 2024-01-01 to 2026-11-25 gave 1.39M records in 23 s (60,000/s) with a peak
RSS of 140 MB: only a plan and one pending action per participant are held, never the events.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta
from statistics import median

import pytest

from tests.services.dev.simulation.conftest import originals

pytestmark = pytest.mark.slow  # statistics of a 20,000-participant stream: about 10 s

PROVINCE_2024_COHORT = 26_300 / 1_000_000  # per simulated participant (programmes.py)
BENGKAYANG_CONTINUED = 1 - 2_484 / 4_600


def first_events(records) -> dict[str, dict]:
    first: dict[str, dict] = {}
    for event in originals(records):
        first.setdefault(event["participant_id"], event)
    return first


def test_every_regency_appears_with_2000_participants(small_stream, geography):
    regencies = {e["region_code"][:5] for e in originals(small_stream)}
    assert regencies == set(geography.workforce)


def test_regencies_follow_the_eligible_workforce(large_stream, geography):
    first = first_events(large_stream)
    counts = Counter(e["region_code"][:5] for e in first.values())
    total_workforce = sum(geography.workforce.values())
    for regency, workforce in geography.workforce.items():
        share = workforce / total_workforce
        expected = share * len(first)
        assert abs(counts[regency] - expected) < 4 * math.sqrt(expected * (1 - share)), regency


def test_segment_mix_and_region_levels(large_stream):
    first = first_events(large_stream).values()
    segments = Counter(e["segment"] for e in first)
    for segment, share in {"PU": 0.55, "BPU": 0.35, "JAKON": 0.06, "PMI": 0.04}.items():
        assert abs(segments[segment] / len(first) - share) < 0.02, segment
    not_village = sum(e["region_code"].count(".") < 3 for e in first) / len(first)
    assert 0.03 < not_village < 0.07


def test_a_few_events_per_participant(large_stream):
    events = originals(large_stream)
    assert 3 <= len(events) / len({e["participant_id"] for e in events}) <= 6


def test_enrollment_waves_peak_at_the_year_end_push(large_stream):
    months = Counter(e["occurred_at"][:7] for e in first_events(large_stream).values())
    typical = median(months.values())
    assert months["2024-11"] > 1.5 * typical and months["2025-11"] > 1.5 * typical


def test_province_2024_batch_is_scaled_from_26300_workers(large_stream):
    first = first_events(large_stream)
    batch = [
        e
        for e in originals(large_stream)
        if e["type"] == "assistance_payment" and e["payer_id"] == "APBD-61" and e["period_start"] == "2024-04-01"
    ]
    expected = PROVINCE_2024_COHORT * len(first)
    assert abs(len(batch) - expected) < 0.2 * expected
    assert all(e["segment"] == "BPU" and e["amount_idr"] == 9 * 16_800 for e in batch)


def test_bengkayang_continues_about_46_percent_into_2025(large_stream):
    paid_years = defaultdict(set)
    for e in originals(large_stream):
        if e["type"] == "assistance_payment" and e["payer_id"] == "APBD-61.07":
            paid_years[e["participant_id"]].add(e["period_end"][:4])
    cohort = [years for years in paid_years.values() if "2024" in years]
    assert len(cohort) > 40
    continued = sum("2025" in years for years in cohort) / len(cohort)
    assert abs(continued - BENGKAYANG_CONTINUED) < 0.15


def test_some_assistance_is_paid_in_advance_for_next_budget_year(large_stream):
    payments = [e for e in originals(large_stream) if e["type"] == "assistance_payment"]
    ahead = [e for e in payments if e["period_start"] > e["occurred_at"][:10]]
    assert ahead and all(e["period_start"].endswith("-01-01") and e["occurred_at"][5:7] == "12" for e in ahead)


def test_lapses_for_non_payment_and_at_the_end_of_the_budget_year(large_stream):
    lapses = [e for e in originals(large_stream) if e["type"] == "lapse"]
    reasons = Counter(e["reason"] for e in lapses)
    assert reasons["non_payment"] > 0 and reasons["employment_ended"] > 0
    year_end = [e for e in lapses if e["effective_date"] == "2025-01-01" and e["reason"] == "non_payment"]
    assert len(year_end) > 50


def test_bpu_non_payment_is_declared_after_three_unpaid_months(large_stream):
    paid_through: dict[str, str] = {}
    checked = 0
    for e in sorted(originals(large_stream), key=lambda e: (e["occurred_at"], e["event_id"])):
        if e["type"] == "enrollment":
            paid_through[e["participant_id"]] = e["paid_through"]
        elif e["type"] == "lapse" and e["reason"] == "non_payment" and e["effective_date"][5:] != "01-01":
            last_paid = date.fromisoformat(paid_through[e["participant_id"]])
            assert date.fromisoformat(e["effective_date"]) == last_paid + timedelta(days=1)
            assert date.fromisoformat(e["occurred_at"][:10]) > last_paid + timedelta(days=89)
            checked += 1
    assert checked > 100


def test_pu_coverage_is_extended_and_some_participants_move(large_stream):
    enrollments = defaultdict(list)
    for e in originals(large_stream):
        if e["type"] == "enrollment":
            enrollments[e["participant_id"]].append(e)
    extended = moved = 0
    for history in enrollments.values():
        history.sort(key=lambda e: e["occurred_at"])
        for before, after in zip(history, history[1:]):
            if before["segment"] == "PU" and after["covered_from"] > before["paid_through"]:
                gap = date.fromisoformat(after["covered_from"]) - date.fromisoformat(before["paid_through"])
                extended += gap == timedelta(days=1)
            moved += before["region_code"] != after["region_code"]
    assert extended > 1_000 and moved > 50
