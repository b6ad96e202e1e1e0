"""A backlog waiting before the worker starts: the stage judges only counts that have caught up.

Every region is on track in truth, but while the backlog is being counted the partial
picture says otherwise (the former participants' events come first). No alert may come of
it, under any timing: every partial the stage could judge holds its partition's true
count. Then one regency really falls behind and recovers, across SIGKILLs of the worker and
the notifier, and its coordinator gets exactly one `raised` and one `resolved`.
"""

from __future__ import annotations

from collections import Counter

import pytest

from services.registry import Registry
from streams.broker.alert_log import read_alert_log
from streams.broker.topics import EVENT_PARTITIONS, REGION_PARTIALS
from streams.partials import decode_partial
from streams.partitioning import partition_of
from tests.integration.offsets import read_to_end
from tests.integration.small_province import (  # noqa: F401 (small_registry is a fixture)
    BEHIND,
    HOLD,
    HOLD_SECONDS,
    REGENCIES,
    enrolled,
    lapsed,
    small_registry,
    statuses,
)
from tests.integration.streams import send_raw, wait_stage_settled
from tests.integration.waiting import wait_until

pytestmark = pytest.mark.integration

ACTIVE, FORMER = 60, 400  # per regency, of 100 eligible workers against a flat 50% plan


def backlog() -> tuple[list, Counter]:
    """Former participants first (enrolled 1 June, lapsed mid-June), then the active ones; and
    the true active count per partition."""
    former = [
        r
        for code in REGENCIES
        for r in enrolled(code, FORMER, prefix="F") + lapsed(code, FORMER, prefix="F", on="2026-06-15")
    ]
    active = [r for code in REGENCIES for r in enrolled(code, ACTIVE)]
    return former + active, Counter(partition_of(r.key.decode(), EVENT_PARTITIONS) for r in active)


def test_a_backlog_on_track_in_truth_raises_nothing_and_a_real_fall_raises_once_across_kills(
    kafka_bootstrap, small_registry, tmp_path
):
    from tests.integration.conftest import WorkerProcess
    from tests.integration.receivers import HttpReceiver, NotifierProcess, SmtpReceiver

    smtp, http = SmtpReceiver(), HttpReceiver()
    registry = Registry(small_registry)
    registry.add_coordinator(
        "Disnaker Bengkayang", BEHIND, email="disnaker@bengkayang.go.id", webhook_url=http.url + "/bengkayang"
    )
    records, truth = backlog()
    send_raw(kafka_bootstrap, records)  # waiting before anything starts

    worker = WorkerProcess(kafka_bootstrap, small_registry, tmp_path, options=HOLD)
    notifier = NotifierProcess(kafka_bootstrap, small_registry, tmp_path, smtp.port)
    both = [worker, notifier]
    try:
        worker.wait_ready()
        wait_until(
            lambda: len(statuses(worker)) == 15 and set(statuses(worker).values()) == {"on_track"},
            "every region on track",
            processes=both,
        )
        wait_stage_settled(worker, HOLD_SECONDS)
        assert read_alert_log(kafka_bootstrap) == [], worker.log_tail()
        judged = [
            p
            for p in map(decode_partial, (r.value for r in read_to_end(kafka_bootstrap, REGION_PARTIALS)))
            if p.caught_up
        ]
        assert judged, "no partition ever reported caught up"
        for partial in judged:  # the stage could only ever see the truth
            assert sum(partial.active.get("61", {}).values()) == truth[partial.partition], (
                partial.partition,
                partial.generation,
            )

        send_raw(kafka_bootstrap, lapsed(BEHIND, 20))  # 40 of 100: 10 points below plan
        wait_until(lambda: http.received() and smtp.received(), "the raised alert at the coordinator", processes=both)
        notifier.wait_settled(registry)  # a kill in the middle of a send may resend it: at least once, by design
        worker.kill()
        notifier.kill()
        worker.start()
        notifier.start()
        worker.wait_ready()
        wait_until(
            lambda: statuses(worker).get(BEHIND) == "critical", "Bengkayang critical after the restart", processes=both
        )
        wait_stage_settled(worker, HOLD_SECONDS)

        send_raw(kafka_bootstrap, enrolled(BEHIND, 20, prefix="NEW"))  # 60 of 100 again
        wait_until(
            lambda: len(http.requests) >= 2 and sum(smtp.received().values()) >= 2,
            "the resolution at the coordinator",
            processes=both,
        )
        wait_stage_settled(worker, HOLD_SECONDS)
        notifier.wait_settled(registry)
        notifier.finish()

        log = read_alert_log(kafka_bootstrap)
        assert [(t.region_code, t.kind, t.transition) for t in log] == [
            (BEHIND, "coverage_status", "raised"),
            (BEHIND, "coverage_status", "resolved"),
        ]
        raised, resolved = (t.transition_id for t in log)
        assert http.received() == Counter({("/bengkayang", raised): 1, ("/bengkayang", resolved): 1})
        assert smtp.received() == Counter(
            {("disnaker@bengkayang.go.id", raised): 1, ("disnaker@bengkayang.go.id", resolved): 1}
        )
    finally:
        notifier.stop()
        worker.stop()
        smtp.stop()
        http.stop()
        registry.close()
