"""Generated input streams for integration tests, with their true counts."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, datetime

from services.dev.simulation import generate_events
from tests.integration.oracle import active_by_region
from tests.integration.waiting import DEADLINE, wait_until


def messy_stream(participants: int, seed: int, now: datetime):
    """Simulated Kalbar records, plus extra redeliveries, fully shuffled; about 5% lose their key."""
    rng = random.Random(seed)
    records = list(
        generate_events(participants=participants, seed=seed, start=date(2024, 1, 1), end=now.date(), now=now)
    )
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


def send_raw(kafka, records, keyless=frozenset()) -> None:
    """Publish records as they are, as any producer might: no checks, some without a key."""
    from services.common.producer import kafka_producer
    from streams.broker.topics import PARTICIPANT_EVENTS, ensure_topics

    ensure_topics(kafka)
    producer = kafka_producer(kafka)
    for record in records:
        producer.send(PARTICIPANT_EVENTS, key=None if id(record) in keyless else record.key, value=record.value)
    producer.flush()
    producer.close()


def region_gauge(metrics: dict, name: str) -> dict[str, float]:
    """A region gauge of one endpoint, by region."""
    return {s.labels["region"]: s.value for s in metrics.get(name, [])}


def wait_for_stage(workers, expected: Counter | None = None, timeout: float = DEADLINE) -> dict:
    """The metrics of the worker running the region stage, once its figures are out.

    With `expected`, once its coverage times workforce gives the expected count for the
    province and every regency: partials reach the stage a few seconds after the counts.
    """
    seen: dict = {}

    def stage_metrics() -> dict | None:
        for worker in workers:
            seen["metrics"] = metrics = worker.metrics()
            if metrics.get("ucj_pace_per_day") and (expected is None or not stage_differences(metrics, expected)):
                return metrics
        return None

    def wrong() -> str:
        return f"a worker exports the region stage's figures as expected: {stage_differences(seen.get('metrics', {}), expected or Counter())}"

    return wait_until(stage_metrics, wrong, timeout=timeout, every=1, processes=workers)


def counter_total(metrics: dict, family: str) -> float:
    """A counter of one endpoint, summed over its labels (0 before its first increment)."""
    return sum(s.value for s in metrics.get(family, []) if s.name.endswith("_total"))


def stage_evaluations(worker) -> float:
    """How often the region stage has judged complete figures (every partition caught up) and evaluated alerts."""
    return counter_total(worker.metrics(), "ucj_region_stage_evaluations")


def wait_stage_settled(worker, hold_seconds: float, more: int = 3) -> None:
    """Until a full hold has passed from now and the region stage has then judged complete
    figures `more` times again: a transition it would publish on these figures, after its
    hold, a duplicate included, is published by then."""
    import time

    expired = time.monotonic() + hold_seconds
    wait_until(lambda: time.monotonic() >= expired, f"the {hold_seconds:.0f} s hold to pass", timeout=hold_seconds + 60)
    wanted = stage_evaluations(worker) + more
    wait_until(
        lambda: stage_evaluations(worker) >= wanted,
        f"{more} more evaluations of the region stage past the hold",
        processes=[worker],
    )


def stage_differences(metrics: dict, expected: Counter) -> dict:
    coverage, workforce = region_gauge(metrics, "ucj_coverage_ratio"), region_gauge(metrics, "ucj_eligible_workforce")
    regions = [code for code in workforce if code.count(".") <= 1]  # the province and the regencies
    found = {code: round(coverage.get(code, 0) * workforce[code]) for code in regions}
    return {code: (found[code], expected.get(code, 0)) for code in regions if found[code] != expected.get(code, 0)}
