"""A poison corpus produced straight to Kafka among ordinary participants: the worker stays up
and exact, and keeps one dead letter per poison input, with no NIK in it.

Which reason a poison input gets is not asserted: validation rejects most of them, and what
it lets through must still not stop the worker (processing_error).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import date, datetime

import pytest

from services.common.producer import kafka_producer
from services.dev.simulation import generate_events
from services.registry import Registry
from streams.broker.topics import DEAD_LETTER, PARTICIPANT_EVENTS, ensure_topics
from streams.domain.nik import contains_nik, nik_problem
from tests.integration.conftest import FIXED_NOW
from tests.integration.offsets import end_offsets, read_to_end
from tests.integration.oracle import active_by_region
from tests.integration.streams import counter_total, differences, exported_active
from tests.integration.test_pipeline import outcomes, processed
from tests.integration.waiting import wait_until
from tests.streams.domain.factories import wire

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat(FIXED_NOW)
NIKS = ("6171014101900001", "6107015203850002")  # well-formed: Kota Pontianak 1990, Bengkayang 1985 (a woman)
NIK_FORMS = (
    NIKS[0],
    "61.71.01.410190.0001",
    "6171 0141 0190 0001",
    "6171-0141-0190-0001",
    "NIK-" + NIKS[0],
    "nik:" + NIKS[1],
    "12 " + NIKS[1],
)
BIG = 900 * 1024
# As large as the broker takes (message.max.bytes, 1 MiB and a little): with headers, over
# what the worker's producer sends in one record, so the dead letter keeps a cut copy.
HUGE = 1_040_000
Input = tuple[str, bytes | None, bytes | None]  # (name, key, value)


def own(name: str, kind: str = "enrollment", **fields) -> dict:
    """A valid event of a participant of its own, changed by `fields`."""
    fields = (
        dict(event_id=f"poison-{name}", participant_id=f"X-{name}", occurred_at="2026-06-01T09:00:00+07:00") | fields
    )
    return wire(kind, **fields)


def keyed(name: str, event: dict) -> Input:
    return name, event["participant_id"].encode("utf-8", "surrogatepass"), json.dumps(event).encode()


def changed(name: str, change) -> Input:
    """An event of its own whose bytes `change` makes bad."""
    name, key, value = keyed(name, own(name))
    return name, key, change(value)


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def poison(round_: int) -> list[Input]:
    """Inputs no count may include; names are unique per round."""
    n = lambda name: f"{name}-{round_}"  # noqa: E731
    start = b'{"schema": "ucj.participant-event/1", "note": "'
    huge = start + b"y" * (HUGE - len(start) - 2) + b'"}'
    inputs = [
        # dates: the fold cannot go before 0001-01-01 or past 9999-12-31; 1900 is outside any real record
        keyed(n("lapse-0001"), own(n("lapse-0001"), "lapse", effective_date="0001-01-01")),
        keyed(n("paid-9999"), own(n("paid-9999"), paid_through="9999-12-31")),
        keyed(
            n("covered-0001-9999"), own(n("covered-0001-9999"), covered_from="0001-01-01", paid_through="9999-12-31")
        ),
        keyed(n("assisted-9999"), own(n("assisted-9999"), "assistance_payment", period_end="9999-12-31")),
        keyed(n("covered-1900"), own(n("covered-1900"), covered_from="1900-01-01", paid_through="2026-12-31")),
        keyed(n("lapse-1900"), own(n("lapse-1900"), "lapse", effective_date="1900-01-01")),
        keyed(n("excel-1900-02-29"), own(n("excel-1900-02-29"), covered_from="1900-02-29")),
        # long strings
        keyed(n("long-id"), own(n("long-id"), participant_id="X" * 100_000)),
        keyed(n("long-source"), own(n("long-source"), source="s" * 200_000)),
        keyed(n("long-payer"), own(n("long-payer"), "assistance_payment", payer_id="CSR-" + "p" * 50_000)),
        keyed(n("long-region"), own(n("long-region"), region_code="61." * 30_000)),
        # nesting 100,000 deep, as the whole value and inside an event
        (n("deep-array"), b"deep", deep(100_000)),
        (n("deep-object"), b"deep", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        changed(n("deep-field"), lambda event: event[:-1] + b', "x": ' + deep(100_000) + b"}"),
        # bytes that are not UTF-8, NUL bytes, a lone surrogate
        changed(n("not-utf8"), lambda event: event.replace(b'"BPU"', b'"B\xff\xfeU"')),
        (n("nul-bytes"), b"\x00" * 16, b"\x00" * 1000),
        changed(n("nul-in-json"), lambda event: event.replace(b'"BPU"', b'"BP\x00U"')),
        keyed(n("lone-surrogate"), own(n("lone-surrogate"), participant_id="X-\ud800")),
        # size: a valid event with a 900 KB field, and one the dead letter cannot keep whole
        keyed(n("900-kb"), own(n("900-kb"), note="n" * BIG)),
        (n("over-a-record"), b"huge", huge),
        # not an event: no key, an empty key, JSON that is not an object, a tombstone
        (n("empty-key"), b"", b"null"),
        (n("no-key"), None, b"{}"),
        (n("array"), b"a", b"[]"),
        (n("number"), b"a", b"42"),
        (n("string"), b"a", b'"enrollment"'),
        (n("true"), b"a", b"true"),
        (n("tombstone"), b"X-tombstone", None),
        (n("not-json-with-niks"), NIK_FORMS[1].encode(), ("NIK: " + ", ".join(NIK_FORMS)).encode()),
        (n("nik-string"), b"a", json.dumps(NIKS[1]).encode()),
    ]
    for i, form in enumerate(NIK_FORMS):  # a NIK where a pseudonym or an id belongs
        inputs.append(keyed(n(f"nik-participant-{i}"), own(n(f"nik-participant-{i}"), participant_id=form)))
        inputs.append(keyed(n(f"nik-event-{i}"), own(n(f"nik-event-{i}"), event_id=f"ev-{form}")))
    inputs.append(keyed(n("nik-source"), own(n("nik-source"), source=f"village-{NIKS[1]}")))
    return inputs


def sims(participants: int, seed: int) -> dict[str, list]:
    """The valid simulated records of each participant."""
    by_participant: dict[str, list] = {}
    for record in generate_events(
        participants=participants, seed=seed, start=date(2024, 1, 1), end=NOW.date(), now=NOW
    ):
        if record.valid:
            by_participant.setdefault(record.key.decode(), []).append(record)
    return by_participant


def active_today(records) -> bool:
    return active_by_region([json.loads(r.value) for r in records], NOW.date()).get("61", 0) == 1


def against(participant: str, last: dict, name: str, kind: str, **fields) -> Input:
    """A poison event for a participant already counted (its region and segment)."""
    event = wire(
        kind,
        event_id=name,
        participant_id=participant,
        occurred_at="2026-06-02T09:00:00+07:00",
        region_code=last["region_code"],
        segment=last["segment"],
        **fields,
    )
    return keyed(name, event)


def send(bootstrap: str, inputs: list[Input]) -> dict[str, str]:
    """Produce the inputs in order, uncompressed (the broker sees each at its full size); where each landed, by name."""
    producer = kafka_producer(bootstrap, compression_type=None)
    futures = [(name, producer.send(PARTICIPANT_EVENTS, key=key, value=value)) for name, key, value in inputs]
    producer.flush()
    landed = {}
    for name, future in futures:
        metadata = future.get(timeout=60)  # a record the broker refused fails here
        landed[name] = f"{PARTICIPANT_EVENTS}/{metadata.partition}/{metadata.offset}"
    producer.close()
    return landed


def test_a_poison_corpus_leaves_the_worker_running_and_exact(kafka_bootstrap, registry_url, start_worker):
    for nik in NIKS:
        assert nik_problem(nik) is None
    ensure_topics(kafka_bootstrap)
    worker = start_worker()
    worker.wait_ready()
    pid = worker.process.pid
    rng = random.Random(10)
    participants = sims(3_000, seed=10)
    names = sorted(participants)
    rng.shuffle(names)
    first, second = names[: len(names) // 2], names[len(names) // 2 :]
    tree = Registry(registry_url).region_tree()
    codes = [c for level in ("province", "regency", "district") for c in tree.codes_at(level)]
    sent = 0
    counted: list = []
    poisoned: dict[str, str] = {}  # poison input -> where it landed

    def run(valid_participants: list[str], bad: list[Input]) -> None:
        """Send the participants' records and the poison shuffled together; wait until all are processed, then check the counts."""
        nonlocal sent
        records = [r for p in valid_participants for r in participants[p]]
        inputs = [(f"valid-{i}", r.key, r.value) for i, r in enumerate(records)] + bad
        rng.shuffle(inputs)
        landed = send(kafka_bootstrap, inputs)
        poisoned.update({name: landed[name] for name, _, _ in bad})
        counted.extend(records)
        sent += len(inputs)

        def done() -> dict | None:
            metrics = worker.metrics()
            lag = {s.labels["partition"]: s.value for s in metrics.get("ucj_consumer_lag_messages", [])}
            return metrics if processed(metrics) >= sent and set(lag.values()) == {0} else None

        metrics = wait_until(
            done,
            lambda: f"{sent} inputs processed: {outcomes(worker.metrics())}",
            timeout=600,
            every=1,
            processes=[worker],
        )
        assert processed(metrics) == sent
        expected = active_by_region([json.loads(r.value) for r in counted], NOW.date())
        assert differences(exported_active(metrics), expected, codes) == {}, "exported vs true count differ"
        assert worker.process.pid == pid and worker.running() and worker.status()["partitions"]

    # round 1: half the participants among the poison
    run(first, poison(1))
    # round 2: the other half, the poison again, and poison for participants counted in round 1
    active = [p for p in first if active_today(participants[p])][:2]
    last = [json.loads(participants[p][-1].value) for p in active]
    run(
        second,
        poison(2)
        + [
            against(active[0], last[0], "lapse-0001-of-a-counted-participant", "lapse", effective_date="0001-01-01"),
            against(
                active[1],
                last[1],
                "paid-9999-of-a-counted-participant",
                "enrollment",
                covered_from="2026-01-01",
                paid_through="9999-12-31",
            ),
        ],
    )

    # one dead letter per poison input, from where it landed
    wait_until(
        lambda: sum(end_offsets(kafka_bootstrap, DEAD_LETTER).values()) >= len(poisoned),
        f"{len(poisoned)} dead letters on {DEAD_LETTER}",
    )
    letters = read_to_end(kafka_bootstrap, DEAD_LETTER)
    sources = Counter(dict(m.headers)["ucj-source"].decode() for m in letters)
    assert sources == Counter(poisoned.values()), {
        name: sources[where] for name, where in poisoned.items() if sources[where] != 1
    }
    assert counter_total(worker.metrics(), "ucj_dead_letters") == len(poisoned)

    # no NIK in any key, value or header, in any formatting: as the product finds them, and as
    # the digits of each NIK anywhere in the record, whatever stands between them
    for m in letters:
        for part in (m.key or b"", m.value or b"", *(value for _, value in m.headers)):
            assert not contains_nik(part.decode("latin-1")), dict(m.headers)["ucj-source"]
            digits = re.sub(rb"[^0-9]", b"", part)
            assert not any(nik.encode() in digits for nik in NIKS), dict(m.headers)["ucj-source"]

    by_source = {dict(m.headers)["ucj-source"].decode(): m for m in letters}
    whole = by_source[poisoned["900-kb-1"]]
    assert len(whole.value) > BIG and "ucj-truncated" not in dict(whole.headers)  # a 900 KB input is kept whole
    cut = by_source[poisoned["over-a-record-1"]]
    assert dict(cut.headers)["ucj-truncated"].startswith(f"the input was 4 key and {HUGE} value bytes".encode())
    assert 0 < len(cut.value) < HUGE

    log = worker.log_path.read_text(errors="replace")
    assert "Crashed reason" not in log, worker.log_tail(80)  # what Faust logs when an agent crashes (and restarts)
    assert not any(nik in log for nik in NIKS)
