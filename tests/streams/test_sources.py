"""Events by source: the label bound, the invalid message's claimed source, the worker's totals,
what the chain tallies per batch, and what /metrics exports of them."""

from __future__ import annotations

import json
import string
from collections import Counter
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.registry.sources import last_events
from streams.batch import BatchResult, Record, fold, route
from streams.broker.topics import PARTICIPANT_EVENTS
from streams.clock import Clock
from streams.domain.regions import Region, RegionTree
from streams.processing import CoverageProcessor
from streams.reference import Reference
from streams.sources import OTHER, SourceActivity, bounded, claimed_source, source_label
from streams.worker.metrics import SourceCollector
from streams.write_behind import WriteBehindStore

names = st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=20)
OUTCOMES = ("applied", "duplicate", "invalid", "rekeyed")
tallies = st.dictionaries(st.tuples(names, st.sampled_from(OUTCOMES)), st.integers(1, 1000))
timestamps = st.floats(0, 4e9, allow_nan=False)


@given(registered=st.frozensets(names), source=names)
def test_a_registered_source_keeps_its_name_and_any_other_is_other(registered, source):
    label = source_label(source, registered)
    assert label == (source if source in registered else OTHER)


@given(registered=st.frozensets(names), tally=tallies, latest=st.dictionaries(names, timestamps))
def test_the_labels_are_the_registered_names_and_other_and_nothing_is_lost(registered, tally, latest):
    events, newest = bounded(tally, latest, registered)
    labels = {label for label, _ in events} | set(newest)
    assert labels <= registered | {OTHER}
    assert len(labels) <= len(registered) + 1
    assert sum(events.values()) == sum(tally.values())
    for (source, outcome), n in tally.items():  # a registered source's counts are its own
        if source in registered:
            assert events[source, outcome] == n
    for label, timestamp in newest.items():  # the newest of the sources behind the label
        assert timestamp == max(t for s, t in latest.items() if source_label(s, registered) == label)


@given(
    registered=st.frozensets(names),
    batches=st.lists(st.tuples(tallies, st.dictionaries(names, timestamps)), max_size=5),
)
def test_the_workers_totals_add_up_batches_and_keep_the_newest_timestamp(registered, batches):
    activity = SourceActivity()
    for tally, latest in batches:
        activity.add(tally, latest, registered)
    expected: Counter = Counter()
    newest: dict[str, float] = {}
    for tally, latest in batches:
        events, times = bounded(tally, latest, registered)
        expected.update(events)
        for label, t in times.items():
            newest[label] = max(t, newest.get(label, t))
    assert activity.events == expected
    assert activity.latest == newest  # batches of other partitions can come out of time order


def test_an_invalid_message_counts_under_the_source_it_names_if_any():
    assert claimed_source(b'{"source": "desa-a", "type": "nonsense"}') == "desa-a"
    assert claimed_source(b'{"type": "enrollment"}') == ""
    assert claimed_source(b'{"source": 12}') == ""
    assert claimed_source(b'["source"]') == ""
    assert claimed_source(b"not json") == ""
    assert claimed_source(b"\xff\xfe") == ""
    assert claimed_source(b"[" * 100_000) == ""  # too deep to parse
    assert claimed_source(None) == ""


TREE = RegionTree.from_regions(
    [
        Region("61", None, "province", "Kalimantan Barat"),
        Region("61.07", "61", "regency", "Bengkayang"),
    ]
)
NOW = "2026-03-02T10:00:00+07:00"


def event(event_id: str, participant: str, source: str) -> bytes:
    return json.dumps(
        {
            "schema": "ucj.participant-event/1",
            "event_id": event_id,
            "type": "enrollment",
            "occurred_at": "2026-03-01T09:00:00+07:00",
            "participant_id": participant,
            "region_code": "61.07",
            "segment": "BPU",
            "source": source,
            "covered_from": "2026-03-01",
            "paid_through": "2026-03-31",
        }
    ).encode()


def test_the_chain_tallies_each_batch_by_source_as_sent_with_each_ones_newest_timestamp():
    processor = CoverageProcessor(TREE, WriteBehindStore({}), Clock.parse(NOW))
    records = [
        Record(PARTICIPANT_EVENTS, 0, 0, 100.0, b"p1", event("e1", "p1", "desa-a")),
        Record(PARTICIPANT_EVENTS, 0, 1, 300.0, b"p1", event("e1", "p1", "desa-a")),  # the same event again
        Record(PARTICIPANT_EVENTS, 0, 2, 200.0, b"p2", event("e2", "p2", "bpjs-feed")),
        Record(PARTICIPANT_EVENTS, 0, 3, 400.0, b"p3", event("e3", "p3", "desa-a").replace(b"61.07", b"61.99")),
        Record(PARTICIPANT_EVENTS, 0, 4, 500.0, None, b"not json"),
    ]
    result = BatchResult()
    validated = [(r, processor.validate(r.value)) for r in records]
    fold(processor, route(validated, None, 1, result), result)
    assert result.by_source == Counter(
        {
            ("desa-a", "applied"): 1,
            ("desa-a", "duplicate"): 1,
            ("desa-a", "invalid"): 1,
            ("bpjs-feed", "applied"): 1,
            ("", "invalid"): 1,
        }
    )
    assert result.latest == {"desa-a": 400.0, "bpjs-feed": 200.0, "": 500.0}
    assert sum(result.by_source.values()) == sum(result.tally.values()) == len(records)


def test_a_miskeyed_event_is_tallied_rekeyed_under_its_source():
    processor = CoverageProcessor(TREE, WriteBehindStore({}), Clock.parse(NOW))
    records = [Record(PARTICIPANT_EVENTS, p, 0, 10.0, None, event("e1", "p1", "desa-a")) for p in range(4)]
    result = BatchResult()
    route([(r, processor.validate(r.value)) for r in records], PARTICIPANT_EVENTS, 4, result)
    assert result.by_source == Counter({("desa-a", "rekeyed"): 3})  # on 3 of the 4 partitions it is in the wrong one
    assert result.latest == {"desa-a": 10.0}


def test_metrics_export_the_bounded_counts_the_last_events_and_the_active_sources():
    added = datetime(2026, 1, 5, 3, 0, tzinfo=timezone.utc).timestamp()
    reference = Reference(
        TREE, lambda year: {}, {}, source_names=frozenset({"desa-a", "desa-old"}), sources_added={"desa-a": added}
    )
    activity = SourceActivity()
    activity.add(
        Counter({("desa-a", "applied"): 5, ("someone", "applied"): 2, ("", "invalid"): 1}),
        {"desa-a": 1.7e9, "someone": 1.6e9},
        reference.source_names,
    )
    registry = CollectorRegistry()
    registry.register(SourceCollector(activity, lambda: reference))
    text = generate_latest(registry).decode()

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples == {
        ("ucj_source_events_total", (("outcome", "applied"), ("source", "desa-a"))): 5,
        ("ucj_source_events_total", (("outcome", "applied"), ("source", "other"))): 2,
        ("ucj_source_events_total", (("outcome", "invalid"), ("source", "other"))): 1,
        ("ucj_source_last_event_timestamp_seconds", (("source", "desa-a"),)): 1.7e9,
        ("ucj_source_last_event_timestamp_seconds", (("source", "other"),)): 1.6e9,
        ("ucj_source_added_timestamp_seconds", (("source", "desa-a"),)): added,  # desa-old is revoked: not watched
    }
    # what `ucj sources list` reads back of it: the registry's sources only
    assert last_events([text]) == {"desa-a": 1.7e9}
