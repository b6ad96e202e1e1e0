"""Who may change a participant, end to end: two village sources and a province source post
through the real gateway to a real worker, and a village that lapses another regency's worker
changes no count (streams/domain/ownership.py)."""

from __future__ import annotations

import json

from services.registry import Registry
from streams.broker.topics import DEAD_LETTER
from tests.integration.offsets import read_to_end
from tests.integration.oracle import active_by_region
from tests.integration.streams import differences, exported_active
from tests.integration.test_gateway import (  # noqa: F401 (start_gateway is a fixture)
    REGENCY,
    TODAY,
    add_source,
    assert_no_nik_in,
    enrollment,
    lapse,
    make_nik,
    oracle_event,
    start_gateway,
    villages_of,
)
from tests.integration.waiting import wait_until

OTHER_REGENCY = "61.01"  # Sambas


def by_source(worker) -> dict[tuple[str, str], float]:
    samples = worker.metrics().get("ucj_source_events", [])
    return {(s.labels["source"], s.labels["outcome"]): s.value for s in samples if s.name.endswith("_total")}


def test_a_village_cannot_lapse_a_worker_of_another_regency_but_can_enrol_one_who_moves_in(
    kafka_bootstrap, registry_url, start_worker, start_gateway
):
    home, away = villages_of(registry_url, REGENCY)[0], villages_of(registry_url, OTHER_REGENCY)[0]
    keys = {
        "desa-home": add_source(registry_url, "desa-home", home),
        "desa-away": add_source(registry_url, "desa-away", away),
        "bpjs-kalbar": add_source(registry_url, "bpjs-kalbar", "61"),
    }
    worker = start_worker()  # reads the three sources' regions as it starts
    gateway = start_gateway()
    stays, moves, ends = (make_nik(home, i) for i in range(3))

    def post(source: str, events: list[dict]) -> None:
        status, _, summary = gateway.post(json.dumps(events), key=keys[source])
        assert status == 200 and summary["accepted"] == len(events), summary

    enrolled = [enrollment(i, home, nik) for i, nik in enumerate((stays, moves, ends))]
    post("desa-home", enrolled)
    # the gateway accepts these, each in desa-away's own village; the worker judges the participant
    schema = {"schema": "ucj.participant-event/1"}
    refused = {**lapse(10, away, stays), **schema, "event_id": "away-lapse-10"}
    moved_in = {**enrollment(11, away, moves), "event_id": "away-enrol-11", "occurred_at": "2026-06-10T09:00:00+07:00"}
    post("desa-away", [refused, moved_in])
    ended = {**lapse(12, home, ends), **schema, "event_id": "kalbar-lapse-12"}
    post("bpjs-kalbar", [ended])

    outcomes = {
        ("desa-home", "applied"): 3,
        ("desa-away", "participant_out_of_scope"): 1,
        ("desa-away", "applied"): 1,
        ("bpjs-kalbar", "applied"): 1,
    }
    wait_until(
        lambda: by_source(worker) == outcomes,
        lambda: f"events by source {outcomes}, got {by_source(worker)}",
        processes=[worker],
    )

    # the counts are those of every event but the refused one: the lapse changed nothing
    expected = active_by_region(
        [
            oracle_event({**e, "source": s})
            for e, s in [*((e, "desa-home") for e in enrolled), (moved_in, "desa-away"), (ended, "bpjs-kalbar")]
        ],
        TODAY,
    )
    assert expected[REGENCY] == 1 and expected[OTHER_REGENCY] == 1  # `stays` at home, `moves` away, `ends` ended
    tree = Registry(registry_url).region_tree()
    codes = sorted(
        {*tree.self_and_ancestors(home)[1:], *tree.self_and_ancestors(away)[1:]}
    )  # villages are not exported
    wait_until(
        lambda: not differences(exported_active(worker.metrics()), expected, codes),
        lambda: f"exact counts; (exported, true): {differences(exported_active(worker.metrics()), expected, codes)}",
        processes=[worker],
    )

    [letter] = [r for r in read_to_end(kafka_bootstrap, DEAD_LETTER)]
    headers = dict(letter.headers)
    assert headers["ucj-reason"] == b"participant_out_of_scope" and b"desa-away" in headers["ucj-detail"]
    assert_no_nik_in(letter.value.decode("latin-1") + headers["ucj-detail"].decode(), {stays, moves, ends})
