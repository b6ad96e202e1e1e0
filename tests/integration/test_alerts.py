"""Alerts in the stream: a regency that falls behind raises one alert, recovery resolves it,
and neither a worker restart nor repeated evaluation publishes a transition twice."""

from __future__ import annotations

from collections import Counter

import pytest

from services.registry import Registry
from streams.broker.alert_log import read_alert_log
from tests.integration.small_province import (  # noqa: F401 (small_registry is a fixture)
    BEHIND,
    CLIFF,
    HOLD,
    HOLD_SECONDS,
    REGENCIES,
    all_on_track,
    assisted_until,
    enrolled,
    lapsed,
    small_registry,
    statuses,
)
from tests.integration.streams import send_raw, wait_stage_settled
from tests.integration.waiting import wait_until

pytestmark = pytest.mark.integration


def alerts_where(bootstrap: str, **fields) -> list:
    """The transitions on the alert log with these field values."""
    return [t for t in read_alert_log(bootstrap) if all(getattr(t, name) == value for name, value in fields.items())]


def test_falling_behind_raises_once_and_recovery_resolves(kafka_bootstrap, small_registry, tmp_path):
    from tests.integration.conftest import WorkerProcess

    records = [r for code in REGENCIES if code != CLIFF for r in enrolled(code, 60)]
    records += enrolled(CLIFF, 20) + assisted_until(CLIFF, 40, "2026-08-15")  # 40 of 60 lapse in 47 days
    # waiting before the worker starts: an empty province judged before they arrive would be
    # critical everywhere, truly, and alert after the hold on a slow machine
    send_raw(kafka_bootstrap, records)
    worker = WorkerProcess(kafka_bootstrap, small_registry, tmp_path, options=HOLD)
    try:
        worker.wait_ready()
        found = wait_until(
            lambda: all_on_track(worker), "the province and the regencies with a status", processes=[worker]
        )
        assert set(found.values()) == {"on_track"}, found

        send_raw(kafka_bootstrap, lapsed(BEHIND, 20))  # 40 of 100 active: 10 points below plan
        raised = wait_until(
            lambda: alerts_where(kafka_bootstrap, kind="coverage_status"), "a coverage alert", processes=[worker]
        )
        assert [(t.region_code, t.transition, t.status) for t in raised] == [(BEHIND, "raised", "critical")], (
            worker.log_tail()
        )
        alert = raised[0]
        assert (
            alert.figures.gap_workers == 10
            and alert.figures.active == 40
            and alert.figures.gap_pp == pytest.approx(10.0)
        )
        assert alert.regency_code == BEHIND and alert.region_name == "Kabupaten Bengkayang" and alert.level == "regency"
        assert alert.figures.pace_per_day == pytest.approx(-20 / 30)  # 60 active a month ago, 40 today
        assert len(alert.history) == 91 and alert.history[-1].coverage == pytest.approx(0.4)

        [cliff] = alerts_where(kafka_bootstrap, kind="lapse_cliff")
        assert (cliff.region_code, cliff.transition, cliff.status) == (CLIFF, "raised", "critical")
        assert cliff.lapse_cliff.participants == 40 and cliff.lapse_cliff.by_payer == {"APBD-61.72": 40}
        assert str(cliff.lapse_cliff.first_end) == "2026-08-15"

        worker.kill()  # a restart reads the alert log back and publishes nothing new
        worker.start()
        worker.wait_ready()
        wait_until(
            lambda: statuses(worker).get(BEHIND) == "critical",
            "Bengkayang critical after the restart",
            processes=[worker],
        )
        wait_stage_settled(worker, HOLD_SECONDS)
        assert len(read_alert_log(kafka_bootstrap)) == 2

        send_raw(kafka_bootstrap, enrolled(BEHIND, 20, prefix="NEW"))  # back to 60 of 100
        resolved = wait_until(
            lambda: alerts_where(kafka_bootstrap, transition="resolved"), "the alert resolved", processes=[worker]
        )
        assert [(t.region_code, t.alert_id, t.sequence) for t in resolved] == [(BEHIND, alert.alert_id, 2)]
        wait_stage_settled(worker, HOLD_SECONDS)
        log = read_alert_log(kafka_bootstrap)
        assert len(log) == 3 and len({t.transition_id for t in log}) == 3
    finally:
        worker.stop()


def test_the_coordinators_of_a_regency_that_falls_behind_get_one_alert_and_one_resolution(
    kafka_bootstrap, small_registry, tmp_path
):
    """Events in, mail and webhook out: the whole pipeline, with nothing mocked."""
    from tests.integration.conftest import WorkerProcess
    from tests.integration.receivers import HttpReceiver, NotifierProcess, SmtpReceiver

    smtp, http = SmtpReceiver(), HttpReceiver()
    registry = Registry(small_registry)
    registry.add_coordinator(
        "Disnaker Bengkayang", BEHIND, email="disnaker@bengkayang.go.id", webhook_url=http.url + "/bengkayang"
    )
    registry.add_coordinator(
        "Disnaker Sambas", "61.01", email="disnaker@sambas.go.id", webhook_url=http.url + "/sambas"
    )
    registry.add_coordinator("Operasional", "61", email="ops@kalbarprov.go.id")
    send_raw(kafka_bootstrap, [r for code in REGENCIES for r in enrolled(code, 60)])  # waiting, as in the first test
    worker = WorkerProcess(kafka_bootstrap, small_registry, tmp_path, options=HOLD)
    notifier = NotifierProcess(kafka_bootstrap, small_registry, tmp_path, smtp.port)
    try:
        worker.wait_ready()
        found = wait_until(
            lambda: all_on_track(worker), "the province and the regencies with a status", processes=[worker]
        )
        assert set(found.values()) == {"on_track"}, found

        send_raw(kafka_bootstrap, lapsed(BEHIND, 20))
        wait_until(lambda: http.received(), "the alert delivered by webhook", processes=[worker, notifier])
        # no duplicate is on its way: the stage has evaluated past its hold again, and the notifier has read and sent everything
        wait_stage_settled(worker, HOLD_SECONDS)
        notifier.wait_settled(registry)
        [(path, headers, body)] = http.requests
        alert = body["alert"]
        assert path == "/bengkayang" and alert["transition"] == "raised" and alert["region_code"] == BEHIND
        assert alert["figures"]["gap_workers"] == 10 and headers["Idempotency-Key"] == alert["transition_id"]
        assert "10" in body["message"]["text"] and "Bengkayang" in body["message"]["subject"]
        assert smtp.received() == Counter({("disnaker@bengkayang.go.id", alert["transition_id"]): 1})

        send_raw(kafka_bootstrap, enrolled(BEHIND, 20, prefix="NEW"))
        wait_until(lambda: len(http.requests) >= 2, "the resolution delivered by webhook", processes=[worker, notifier])
        wait_stage_settled(worker, HOLD_SECONDS)
        notifier.wait_settled(registry)
        notifier.finish()
        assert [(p, b["alert"]["transition"], b["alert"]["alert_id"]) for p, _, b in http.requests] == [
            ("/bengkayang", "raised", alert["alert_id"]),
            ("/bengkayang", "resolved", alert["alert_id"]),
        ]
        assert sorted(smtp.received().values()) == [1, 1] and {r for r, _ in smtp.received()} == {
            "disnaker@bengkayang.go.id"
        }
    finally:
        notifier.stop()
        worker.stop()
        smtp.stop()
        http.stop()
        registry.close()


def test_workforce_loaded_while_the_worker_runs_counts_without_a_restart(kafka_bootstrap, small_registry, tmp_path):
    from tests.integration.conftest import WorkerProcess

    worker = WorkerProcess(kafka_bootstrap, small_registry, tmp_path, options=("--registry-reload", "2s"))
    try:
        worker.wait_ready()
        send_raw(kafka_bootstrap, [r for code in REGENCIES for r in enrolled(code, 60)])
        wait_until(lambda: statuses(worker).get(BEHIND) == "on_track", "Bengkayang on track", processes=[worker])
        workforce = tmp_path / "bigger.csv"
        workforce.write_text(
            "region_code,year,eligible_workforce\n"
            + "".join(f"{code},2026,{200 if code == BEHIND else 100}\n" for code in REGENCIES)
        )
        with Registry(small_registry) as registry:
            registry.load_workforce_csv(workforce)
        wait_until(
            lambda: statuses(worker).get(BEHIND) == "critical", "Bengkayang critical: 60 of 200", processes=[worker]
        )
        assert worker.running()
    finally:
        worker.stop()
