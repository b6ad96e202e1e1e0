"""A backlog waiting before the worker starts: the stage judges only counts that have caught up.

Every region is on track in truth, but while the backlog is being counted the partial
picture says otherwise (the inactive participants' events come first). No alert may come
of it, under any timing: every partial the stage could judge holds the partition's true
counts. Then one regency really falls behind and recovers, across SIGKILLs of the worker
and the notifier, and its coordinator gets exactly one `raised` and one `resolved`.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from services.registry import Registry
from streams.alert_log import read_alert_log
from streams.partials import decode_partial
from streams.partitioning import partition_of
from streams.topics import EVENT_PARTITIONS, REGION_PARTIALS
from tests.integration.streams import send_raw
from tests.streams.domain.factories import wire

pytestmark = pytest.mark.integration

REGENCIES = ["61.01", "61.02", "61.03", "61.04", "61.05", "61.06", "61.07", "61.08", "61.09", "61.10", "61.11", "61.12", "61.71", "61.72"]
BEHIND = "61.07"  # Kabupaten Bengkayang
HOLD_SECONDS = 10
ACTIVE, FORMER = 60, 400  # per regency, of 100 eligible workers against a flat 50% plan


class Record:
    def __init__(self, event: dict):
        self.key, self.value = event["participant_id"].encode(), json.dumps(event).encode()


@pytest.fixture
def registry(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """100 eligible workers per regency, a flat plan of 50%, and one village per regency."""
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    with Registry(url) as registry:
        registry.init()
        workforce = tmp_path / "workforce.csv"
        workforce.write_text("region_code,year,eligible_workforce\n" + "".join(f"{code},2026,100\n" for code in REGENCIES))
        registry.load_workforce_csv(workforce)
        plan = tmp_path / "plan.csv"
        plan.write_text("region_code,date,ratio\n61,2026-01-01,0.5\n61,2026-12-31,0.5\n")
        registry.load_plan_csv(plan)
        tree = registry.region_tree()
    villages = {code: next(c for c in tree.codes_at("village") if c.startswith(code + ".")) for code in REGENCIES}
    return url, villages


def enrolled(village: str, pid: str) -> Record:
    return Record(wire(event_id=f"{pid}-e", participant_id=pid, occurred_at="2026-03-01T09:00:00+07:00", region_code=village, covered_from="2026-01-01", paid_through="2026-12-31"))


def lapsed(village: str, pid: str, on: str) -> Record:
    return Record(wire("lapse", event_id=f"{pid}-lapse-{on}", participant_id=pid, occurred_at=f"{on}T09:00:00+07:00", region_code=village, reason="non_payment", effective_date=on))


def backlog(villages: dict[str, str]) -> tuple[list[Record], Counter]:
    """Former participants first, then the active ones; and the true active count per partition."""
    former = [r for code in REGENCIES for i in range(FORMER) for r in (enrolled(villages[code], f"F-{code}-{i}"), lapsed(villages[code], f"F-{code}-{i}", "2026-04-30"))]
    active = [enrolled(villages[code], f"P-{code}-{i}") for code in REGENCIES for i in range(ACTIVE)]
    truth = Counter(partition_of(r.key.decode(), EVENT_PARTITIONS) for r in active)
    return former + active, truth


def published_partials(bootstrap: str) -> list:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        tp = TopicPartition(REGION_PARTIALS, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        end = consumer.end_offsets([tp])[tp]
        partials, deadline = [], time.monotonic() + 120
        while consumer.position(tp) < end:
            assert time.monotonic() < deadline, "could not read the partials topic"
            for records in consumer.poll(timeout_ms=1000).values():
                partials += [decode_partial(r.value) for r in records]
        return partials
    finally:
        consumer.close()


def counter(worker, name: str) -> float:
    """A counter's value; the exposition's family drops the _total its sample carries."""
    return sum(s.value for s in worker.metrics().get(name.removesuffix("_total"), []) if s.name == name)


def statuses(worker) -> dict[str, str]:
    return {s.labels["region"]: s.labels["status"] for s in worker.metrics().get("ucj_region_status", []) if s.value == 1.0}


def wait_until(condition, what: str, timeout: float = 240, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(every)
    return result


def wait_past_the_hold(worker) -> None:
    """Quiet: the stage has judged complete figures several times after a full hold from now.

    Whatever was pending when this is called has had its hold expire by then, so an alert
    it could raise is in the log.
    """
    expired = time.monotonic() + HOLD_SECONDS + 1
    wait_until(lambda: time.monotonic() > expired, "the hold to pass", timeout=HOLD_SECONDS + 5)
    seen = counter(worker, "ucj_region_stage_evaluations_total")
    wait_until(lambda: counter(worker, "ucj_region_stage_evaluations_total") >= seen + 3, "three more stage evaluations")


def test_a_backlog_on_track_in_truth_raises_nothing_and_a_real_fall_raises_once_across_kills(kafka_bootstrap, registry, tmp_path):
    from tests.integration.conftest import WorkerProcess
    from tests.integration.receivers import HttpReceiver, NotifierProcess, SmtpReceiver

    url, villages = registry
    smtp, http = SmtpReceiver(), HttpReceiver()
    with Registry(url) as reg:
        reg.add_coordinator("Disnaker Bengkayang", BEHIND, email="disnaker@bengkayang.go.id", webhook_url=http.url + "/bengkayang")
    records, truth = backlog(villages)
    send_raw(kafka_bootstrap, records)  # waiting before anything starts

    worker = WorkerProcess(kafka_bootstrap, url, tmp_path, options=("--alert-hold", f"{HOLD_SECONDS}s"))
    notifier = NotifierProcess(kafka_bootstrap, url, tmp_path, smtp.port)
    try:
        worker.wait_ready(timeout=180)
        wait_until(lambda: len(statuses(worker)) == 15 and set(statuses(worker).values()) == {"on_track"}, "every region on track", timeout=300)
        wait_past_the_hold(worker)
        assert read_alert_log(kafka_bootstrap) == [], worker.log_tail()

        judged = [p for p in published_partials(kafka_bootstrap) if p.caught_up]
        assert judged, "no partition ever reported caught up"
        for partial in judged:  # the stage could only ever see the truth
            assert sum(partial.active.get("61", {}).values()) == truth[partial.partition], (partial.partition, partial.generation)

        send_raw(kafka_bootstrap, [lapsed(villages[BEHIND], f"P-{BEHIND}-{i}", "2026-06-30") for i in range(20)])  # 40 of 100
        wait_until(lambda: http.received() and smtp.received(), "the raised alert at the coordinator", timeout=300)
        worker.kill()
        notifier.kill()
        worker.start()
        notifier.start()
        worker.wait_ready(timeout=180)
        wait_until(lambda: statuses(worker).get(BEHIND) == "critical", "the figures after the restart", timeout=300)
        wait_past_the_hold(worker)

        send_raw(kafka_bootstrap, [enrolled(villages[BEHIND], f"N-{BEHIND}-{i}") for i in range(20)])  # 60 of 100 again
        wait_until(lambda: len(http.requests) >= 2 and sum(smtp.received().values()) >= 2, "the resolution at the coordinator", timeout=300)
        wait_past_the_hold(worker)
        wait_until(lambda: notifier_idle(notifier), "the notifier to have nothing pending")

        log = read_alert_log(kafka_bootstrap)
        assert [(t.region_code, t.kind, t.transition) for t in log] == [(BEHIND, "coverage_status", "raised"), (BEHIND, "coverage_status", "resolved")]
        raised, resolved = (t.transition_id for t in log)
        assert sorted(http.received().items()) == sorted({("/bengkayang", raised): 1, ("/bengkayang", resolved): 1}.items())
        assert smtp.received() == Counter({("disnaker@bengkayang.go.id", raised): 1, ("disnaker@bengkayang.go.id", resolved): 1})
    finally:
        notifier.stop()
        worker.stop()
        smtp.stop()
        http.stop()


def notifier_idle(notifier) -> bool:
    metrics = notifier.metrics()
    return all(s.value == 0 for s in metrics.get("ucj_notifier_pending_deliveries", []))
