"""`ucj history`: the workers' histories summed only when every partition is owned once, and steps."""

from datetime import date, timedelta

import pytest

from services.commands.history import at_step, to_csv
from services.worker_client import WorkerUnavailable, combine_histories

THRESHOLDS = {"behind_pp": 0.5, "critical_pp": 5.0}


def body(partitions, actives, first_day=28, region="61.07"):
    days = [
        dict(day=f"2026-01-{first_day + i:02d}", active=n, workforce=100, planned=0.5) for i, n in enumerate(actives)
    ]
    return dict(
        region=region,
        name="Bengkayang",
        level="regency",
        partitions=partitions,
        partition_count=4,
        thresholds=THRESHOLDS,
        days=days,
    )


def test_workers_are_summed_day_by_day():
    history = combine_histories([body([0, 1], [10, 20, 30, 40]), body([2, 3], [1, 2, 3, 4])], ["a", "b"])
    assert [r.active for r in history.rows] == [11, 22, 33, 44]
    assert history.rows[-1].coverage == pytest.approx(0.44) and history.rows[-1].gap == pytest.approx(0.06)
    assert history.days == ["2026-01-28", "2026-01-29", "2026-01-30", "2026-01-31"]


def test_a_partition_nobody_owns_or_two_own_is_refused():
    with pytest.raises(WorkerUnavailable, match="no worker given owns partition\\(s\\) 2, 3 of 4"):
        combine_histories([body([0, 1], [1])], ["a"])
    with pytest.raises(WorkerUnavailable, match="partition 1 is owned by both a and b"):
        combine_histories([body([0, 1], [1]), body([1, 2, 3], [1])], ["a", "b"])


def test_steps_pick_period_ends_and_the_last_day():
    history = combine_histories(
        [body([0, 1, 2, 3], [5, 6, 7, 8, 9], first_day=27)], ["a"]
    )  # 27 Jan 2026 (Tuesday) .. 31 Jan
    assert [d for d, _ in at_step(history, "day")] == history.days
    assert [d for d, _ in at_step(history, "month")] == ["2026-01-31"]
    assert [d for d, _ in at_step(history, "week")] == ["2026-01-31"]  # Sunday 1 Feb is not in the range
    lines = to_csv(at_step(history, "month")).splitlines()
    assert lines[0].startswith("day,region,active") and lines[1].startswith("2026-01-31,61.07,9,100")


def test_each_days_status_has_the_pace_rule_from_the_days_before_it():
    # 1 to 31 January 2026: 60 of 100 active; 1 February: 48, two points behind a plan of 50%
    days = [
        dict(day=(date(2026, 1, 1) + timedelta(days=i)).isoformat(), active=n, workforce=100, planned=0.5)
        for i, n in enumerate([60] * 31 + [48])
    ]
    falling = [dict(body([0, 1, 2, 3], []), days=days)]
    history = combine_histories(falling, ["a"], shown_from=30)
    assert history.days == ["2026-01-31", "2026-02-01"]
    assert [r.status for r in history.rows] == [
        "on_track",
        "critical",
    ]  # 2 points behind and losing: critical, not behind
    assert combine_histories(falling, ["a"]).rows[-1].status == "critical"
