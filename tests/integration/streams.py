"""Generated input streams for integration tests, with their true counts."""
from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, datetime

from services.simulation import generate_events
from tests.integration.oracle import active_by_region


def messy_stream(participants: int, seed: int, now: datetime):
    """Simulated Kalbar records, plus extra redeliveries, fully shuffled; about 5% lose their key."""
    rng = random.Random(seed)
    records = list(generate_events(participants=participants, seed=seed, start=date(2024, 1, 1), end=now.date(), now=now))
    valid = [r for r in records if r.valid]
    records += rng.sample(valid, len(valid) // 30)  # redelivered again, out of order
    rng.shuffle(records)
    keyless = {id(r) for r in rng.sample(records, len(records) // 20)}  # produced without participant_id as key
    return records, keyless


def true_counts(records, on: date) -> Counter:
    return active_by_region([json.loads(r.value) for r in records if r.valid], on)


def exported_active(*metrics: dict) -> Counter:
    """ucj_active_participants summed by region over every given endpoint."""
    totals: Counter = Counter()
    for endpoint in metrics:
        for sample in endpoint["ucj_active_participants"]:
            totals[sample.labels["region"]] += sample.value
    return totals


def differences(exported: Counter, expected: Counter, codes) -> dict:
    return {c: (exported.get(c, 0), expected.get(c, 0)) for c in codes if exported.get(c, 0) != expected.get(c, 0)}


def send_raw(bootstrap: str, records, keyless=frozenset()) -> None:
    """Publish records as they are, as any producer might: no checks, some without a key."""
    from services.producer import kafka_producer
    from streams.topics import PARTICIPANT_EVENTS, ensure_topics

    ensure_topics(bootstrap)
    producer = kafka_producer(bootstrap)
    for record in records:
        producer.send(PARTICIPANT_EVENTS, key=None if id(record) in keyless else record.key, value=record.value)
    producer.flush()
    producer.close()


def region_gauge(metrics: dict, name: str) -> dict[str, float]:
    """A region gauge of one endpoint, by region."""
    return {s.labels["region"]: s.value for s in metrics.get(name, [])}


def wait_for_stage(workers, expected: Counter | None = None, timeout: float = 90) -> dict:
    """The metrics of the worker running the region stage, once its figures are out.

    With `expected`, once its coverage times workforce gives the expected count for the
    province and every regency: partials reach the stage a few seconds after the counts.
    """
    import time

    deadline = time.monotonic() + timeout
    while True:
        for worker in workers:
            metrics = worker.metrics()
            if metrics.get("ucj_pace_per_day") and (expected is None or not stage_differences(metrics, expected)):
                return metrics
        if time.monotonic() > deadline:
            raise AssertionError(f"no worker exports the region stage's figures as expected: {stage_differences(metrics, expected or Counter())}")
        time.sleep(1)


def stage_differences(metrics: dict, expected: Counter) -> dict:
    coverage, workforce = region_gauge(metrics, "ucj_coverage_ratio"), region_gauge(metrics, "ucj_eligible_workforce")
    regions = [code for code in workforce if code.count(".") <= 1]  # the province and the regencies
    found = {code: round(coverage.get(code, 0) * workforce[code]) for code in regions}
    return {code: (found[code], expected.get(code, 0)) for code in regions if found[code] != expected.get(code, 0)}
