"""The region stage judges only a complete, caught-up province, from the newest partial of each partition."""

from collections import Counter
from datetime import date, datetime, timedelta

from streams.domain.alerting import AlertBook
from streams.domain.regions import Region, RegionTree
from streams.partials import HISTORY_DAYS, RegionPartial, RegionTotals
from streams.reference import Reference
from streams.stage import RegionStage, due_decisions, region_report

DAY = date(2026, 6, 30)
TREE = RegionTree.from_regions([Region("61", None, "province", "K"), Region("61.07", "61", "regency", "Bengkayang")])
REFERENCE = Reference(
    TREE, lambda year: {"61.07": 100, "61": 100}, {"61": [(date(2026, 1, 1), 0.5), (date(2026, 12, 31), 0.5)]}
)


def partial(partition: int, active: int, day: date = DAY, caught_up: bool = True, generation: int = 1) -> RegionPartial:
    return RegionPartial(
        partition,
        2,
        day,
        caught_up,
        generation,
        {"61.07": {("BPU", "self_paid"): active}},
        {"61.07": [active] * HISTORY_DAYS},
        {},
    )


def test_complete_only_with_every_partition_caught_up_on_one_day():
    stage = RegionStage()
    stage.receive(partial(0, 10))
    assert stage.complete_day(1) is None  # partition 1 unheard
    stage.receive(partial(1, 5, caught_up=False))
    assert stage.complete_day(1) is None  # partition 1 still catching up
    stage.receive(partial(1, 7))
    assert stage.complete_day(1) == DAY
    assert sum(stage.totals()["61.07"].active.values()) == 17  # the newest partial of partition 1 replaced the older


def test_partials_from_before_a_rebalance_or_restart_are_stale():
    stage = RegionStage()
    stage.receive(partial(0, 10, generation=4))
    stage.receive(partial(1, 7, generation=4))
    assert stage.complete_day(4) == DAY
    assert stage.complete_day(5) is None  # the group rebalanced: every partition must catch up again
    stage.receive(partial(0, 12, generation=5))
    assert stage.complete_day(5) is None  # partition 1's new owner has not reported yet
    stage.receive(partial(1, 7, caught_up=False, generation=5))
    assert stage.complete_day(5) is None
    stage.receive(partial(1, 9, generation=5))
    assert stage.complete_day(5) == DAY and sum(stage.totals()["61.07"].active.values()) == 21


def test_a_partial_of_an_earlier_day_does_not_replace_a_newer_one():
    stage = RegionStage()
    stage.receive(partial(0, 10))
    stage.receive(partial(0, 99, day=DAY - timedelta(days=1)))
    assert sum(stage.totals()["61.07"].active.values()) == 10


def totals(active: int, history: list[int] | None = None, cliff=None) -> RegionTotals:
    return RegionTotals(Counter({("BPU", "assisted"): active}), history or [active] * HISTORY_DAYS, cliff or {})


def test_a_cliff_that_would_turn_an_on_track_region_behind_is_flagged():
    report = region_report("61.07", totals(55, cliff={"APBD-61.07": (10, date(2026, 7, 31))}), REFERENCE, DAY)
    assert report.figures.status == "on_track" and report.cliff.status_after == "behind"  # 5 points below plan
    assert report.cliff_status == "behind" and report.cliff.coverage_after == 0.45
    assert (
        region_report("61.07", totals(55, cliff={"APBD-61.07": (2, date(2026, 7, 31))}), REFERENCE, DAY).cliff_status
        == "on_track"
    )


def test_due_decisions_raise_each_kind_once_the_hold_has_passed():
    reports = {
        "61.07": region_report("61.07", totals(40, cliff={"APBD-61.07": (10, date(2026, 7, 31))}), REFERENCE, DAY)
    }
    book, now = AlertBook(), datetime(2026, 6, 30, 12, 0)
    assert due_decisions(book, reports, now, timedelta(minutes=1)) == []
    due = due_decisions(book, reports, now + timedelta(minutes=1), timedelta(minutes=1))
    assert sorted((d.kind, d.transition, d.status) for d, _ in due) == [("coverage_status", "raised", "critical")]
