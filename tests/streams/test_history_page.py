"""GET /history: the query checked in one sentence, and the days summed over partitions."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from streams.domain.history import DailyActive
from streams.domain.regions import Region, RegionTree
from streams.history_page import MAX_DAYS, HistoryQuery, Refused, history_days, parse_query
from streams.reference import Reference

TREE = RegionTree.from_regions(
    [
        Region("61", None, "province", "Kalimantan Barat"),
        Region("61.07", "61", "regency", "Bengkayang"),
        Region("61.07.01", "61.07", "district", "D"),
        Region("61.07.01.2001", "61.07.01", "village", "V"),
    ]
)
LEVELS = ("province", "regency", "district")
REFERENCE = Reference(
    TREE,
    lambda year: {"61.07": 1000 if year == 2026 else 900},
    {"61": [(date(2026, 1, 1), 0.4), (date(2026, 12, 31), 0.6)]},
)
TODAY = date(2026, 6, 30)
CHAIN = ("61", "61.07", "61.07.01")


def query(**params) -> HistoryQuery | Refused:
    return parse_query(params, TREE, LEVELS, TODAY)


def test_a_query_defaults_to_the_90_days_to_today():
    assert query(region="61.07") == HistoryQuery("61.07", TODAY - timedelta(days=90), TODAY)
    assert query(region="61", **{"from": "2025-12-01", "to": "2026-01-31"}) == HistoryQuery(
        "61", date(2025, 12, 1), date(2026, 1, 31)
    )


def test_a_query_that_cannot_be_answered_is_refused_in_one_sentence():
    refusals = [
        query(),
        query(region="62"),
        query(region="61.07.01.2001"),
        query(region="61", to="2026-13-01"),
        query(region="61", to="2026-07-01"),
        query(region="61", **{"from": "2026-06-01", "to": "2026-05-01"}),
        query(region="61", **{"from": "2000-01-01"}),
    ]
    assert all(isinstance(r, Refused) and "\n" not in r.reason for r in refusals), refusals
    assert (
        "village" in refusals[2].reason
        and "after the worker's today" in refusals[4].reason
        and str(MAX_DAYS) in refusals[6].reason
    )


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-400, 200), st.integers(0, 500)), max_size=30))
def test_the_days_are_the_sum_of_the_partitions_with_the_days_workforce_and_plan(spans):
    partitions = [DailyActive() for _ in range(4)]
    truth: dict[date, int] = {}
    for partition, start, length in spans:
        first = TODAY + timedelta(days=start)
        last = first + timedelta(days=length)
        partitions[partition].move((), (), CHAIN, ((first, last),))
        for i in range(length + 1):
            truth[first + timedelta(days=i)] = truth.get(first + timedelta(days=i), 0) + 1
    asked = HistoryQuery("61.07.01", date(2025, 12, 20), TODAY)
    days = history_days(asked, partitions, REFERENCE)
    assert [d["active"] for d in days] == [truth.get(asked.first + timedelta(days=i), 0) for i in range(len(days))]
    assert days[0]["day"] == "2025-12-20" and days[-1]["day"] == TODAY.isoformat()


def test_workforce_follows_the_year_and_the_plan_the_day():
    days = history_days(HistoryQuery("61.07", date(2025, 12, 31), date(2026, 1, 1)), [], REFERENCE)
    assert [(d["active"], d["workforce"]) for d in days] == [(0, 900), (0, 1000)]
    assert days[1]["planned"] == 0.4
