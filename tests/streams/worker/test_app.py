"""The worker's batch handler without a broker: an input it fails on costs that input's participant, nothing more.

Validation rejects every input the fold cannot take, so here the failures are forced; the
sends to Kafka are recorded instead of made (tests/integration run the real thing).
"""

from __future__ import annotations

import time

import faust
import pytest
from prometheus_client import REGISTRY

from services.registry import Registry
from streams.broker.kafka_access import KafkaAccess
from streams.broker.topics import PARTICIPANT_EVENTS
from streams.clock import Clock
from streams.domain.trajectory import StatusThresholds
from streams.partitioning import partition_of
from streams.reference import load_reference
from streams.worker.app import CoverageWorker, WorkerSettings
from streams.write_behind import WriteBehindStore
from tests.streams.domain.factories import raw
from tests.tools import copy_registry

PARTITIONS = 8


class Sent:
    """Stands in for a topic: keeps what would be sent."""

    def __init__(self):
        self.records = []

    def send_soon(self, key=None, value=None, headers=None):
        self.records.append((key, value, headers))


@pytest.fixture
def worker(registry_template, tmp_path):
    url = copy_registry(registry_template, tmp_path / "registry.db")
    settings = WorkerSettings(
        kafka=KafkaAccess("127.0.0.1:1"), database_url=url, data_dir=tmp_path, web_port=6066, store="memory://"
    )  # nothing is started
    worker = CoverageWorker(settings, Clock.parse("2025-07-15T12:00:00+07:00"), Registry(url), StatusThresholds())
    worker.store = worker.processor.store = WriteBehindStore({})  # the Faust table needs a running app
    worker.dead_letters, worker.rekeyed = Sent(), Sent()
    yield worker
    REGISTRY.unregister(worker.collector)
    REGISTRY.unregister(worker.source_collector)


def batch(*events: tuple[str, bytes]) -> list:
    """Faust messages of (participant_id, value), each on its participant's partition."""
    return [
        faust.types.Message(
            PARTICIPANT_EVENTS,
            partition_of(participant_id, PARTITIONS),
            offset,
            time.time(),
            0,
            [],
            participant_id.encode(),
            value,
            None,
        )
        for offset, (participant_id, value) in enumerate(events)
    ]


def dead_letters_total(reason: str) -> float:
    return REGISTRY.get_sample_value("ucj_dead_letters_total", {"reason": reason}) or 0.0


def test_a_participant_that_cannot_be_folded_goes_to_the_dead_letter_and_the_batch_goes_on(worker):
    unreadable = b"\x07 state written by a newer version"
    worker.store.put(partition_of("P-B", 8), "P-B", unreadable)
    events = batch(
        ("P-A", raw(participant_id="P-A", event_id="a")),
        ("P-B", raw(participant_id="P-B", event_id="b1")),
        ("P-B", raw(participant_id="P-B", event_id="b2")),
        ("P-C", raw(participant_id="P-C", event_id="c")),
    )
    before = dead_letters_total("processing_error")

    worker.handle_batch(events)

    assert sum(c.total() for c in worker.processor.counts.values()) == 2  # P-A and P-C
    assert (
        worker.store.get(partition_of("P-B", 8), "P-B") is unreadable
        and worker.store.get(partition_of("P-A", 8), "P-A") is not None
    )
    letters = worker.dead_letters.records
    assert [key for key, _, _ in letters] == [b"P-B", b"P-B"]
    assert [value for _, value, _ in letters] == [events[1].value, events[2].value]
    assert {headers["ucj-reason"] for _, _, headers in letters} == {b"processing_error"}
    assert letters[0][2]["ucj-detail"].startswith(b"ValueError while folding: participant state version 7 is unknown")
    assert dead_letters_total("processing_error") == before + 2
    assert all(worker.next_offsets[(PARTICIPANT_EVENTS, m.partition)] > m.offset for m in events)


def test_an_input_the_validator_fails_on_goes_to_the_dead_letter_and_the_batch_goes_on(worker, monkeypatch):
    # processing.py looks parse_event up in its module when it calls it, compiled or not
    import streams.processing

    parse_event = streams.processing.parse_event
    monkeypatch.setattr(
        streams.processing, "parse_event", lambda raw, *rest: 1 / 0 if b'"P-B"' in raw else parse_event(raw, *rest)
    )
    events = batch(("P-A", raw(participant_id="P-A", event_id="a")), ("P-B", raw(participant_id="P-B", event_id="b")))

    worker.handle_batch(events)

    assert sum(c.total() for c in worker.processor.counts.values()) == 1
    [(key, value, headers)] = worker.dead_letters.records
    assert (key, value, headers["ucj-reason"]) == (b"P-B", events[1].value, b"processing_error")
    assert headers["ucj-detail"].startswith(b"ZeroDivisionError while validating")


def source_sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_batch_counts_its_events_by_registered_source_and_everything_else_as_other(worker):
    worker.registry.add_source("desa-sungai-raya", ["61.07"])
    worker.reference = load_reference(worker.registry)  # what the worker's reload does
    applied = lambda source: source_sample("ucj_source_events_total", source=source, outcome="applied")  # noqa: E731
    before = {source: applied(source) for source in ("desa-sungai-raya", "other")}
    events = batch(
        ("P-A", raw(participant_id="P-A", event_id="a", source="desa-sungai-raya")),
        ("P-B", raw(participant_id="P-B", event_id="b", source="simulator-9")),
        ("P-C", raw(participant_id="P-C", event_id="c", source="desa-sungai-raya")),
    )

    worker.handle_batch(events)

    assert applied("desa-sungai-raya") == before["desa-sungai-raya"] + 2
    assert applied("other") == before["other"] + 1
    assert source_sample("ucj_source_events_total", source="simulator-9", outcome="applied") == 0
    newest = max(events[0].timestamp, events[2].timestamp)
    assert source_sample("ucj_source_last_event_timestamp_seconds", source="desa-sungai-raya") == newest
    added = worker.registry.sources()[0].created_at.timestamp()
    assert source_sample("ucj_source_added_timestamp_seconds", source="desa-sungai-raya") == added


def test_a_source_added_since_the_last_reload_is_labelled_by_its_name_from_its_first_batch(worker, monkeypatch):
    from streams.sources import UNKNOWN_SOURCE_REFRESH_SECONDS

    worker.registry.add_source("desa-sebangki", ["61.07"])  # `ucj sources add`, after the worker read the registry
    worker.sources_read_at -= UNKNOWN_SOURCE_REFRESH_SECONDS  # the last read of the sources is old enough
    reads = []
    sources = worker.registry.sources
    monkeypatch.setattr(worker.registry, "sources", lambda: reads.append(1) or sources())
    applied = lambda source: source_sample("ucj_source_events_total", source=source, outcome="applied")  # noqa: E731
    before = {source: applied(source) for source in ("desa-sebangki", "other")}

    worker.handle_batch(batch(("P-S", raw(participant_id="P-S", event_id="s1", source="desa-sebangki"))))

    assert applied("desa-sebangki") == before["desa-sebangki"] + 1 and applied("other") == before["other"]
    assert reads == [1] and "desa-sebangki" in worker.reference.source_names
    assert worker.processor.owners.scoped("desa-sebangki")  # its regions bind its next events
    assert source_sample("ucj_source_added_timestamp_seconds", source="desa-sebangki") > 0
    # a producer naming unknown sources reads the registry at most every few seconds
    for n in range(3):
        worker.handle_batch(batch((f"P-U{n}", raw(participant_id=f"P-U{n}", event_id=f"u{n}", source=f"unknown-{n}"))))
    assert reads == [1] and applied("other") == before["other"] + 3
