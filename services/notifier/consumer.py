"""The consumer loop: alert transitions into the delivery log, then the offset is committed.

The offset moves only after the deliveries are in the log, so a crash between the two reads
the same messages again, and enqueueing them again adds nothing.
"""

from __future__ import annotations

import logging
import threading

from services.notifier.intake import Intake
from streams.broker.kafka_access import KafkaAccess, kafka_access
from streams.broker.topics import COVERAGE_ALERTS, NOTIFIER_GROUP

log = logging.getLogger(__name__)

GROUP_ID = NOTIFIER_GROUP


def alert_consumer(kafka: KafkaAccess | str, group_id: str = GROUP_ID):
    from kafka import KafkaConsumer

    return KafkaConsumer(
        COVERAGE_ALERTS,
        **kafka_access(kafka).kafka_python(),
        group_id=group_id,
        client_id="ucj-notifier",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        # a restart after a crash waits for the dead member's session to expire before it gets
        # the partition: 10 s instead of the client's default 45 s
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
    )


def consume(consumer, intake: Intake, stop: threading.Event, retry_seconds: float = 5.0) -> None:
    """Until `stop` is set: read a batch, enqueue its deliveries, commit its offsets."""
    while not stop.is_set():
        batches = consumer.poll(timeout_ms=500)
        if not batches:
            continue
        records = [record for batch in batches.values() for record in batch]
        try:
            added = intake.handle((f"{r.topic}[{r.partition}]@{r.offset}", r.value) for r in records)
        except Exception:
            # nothing committed: go back to the start of the batch and try again
            log.exception(
                "could not write %d alert(s) to the delivery log; retrying in %.0f s", len(records), retry_seconds
            )
            for partition, batch in batches.items():
                consumer.seek(partition, batch[0].offset)
            stop.wait(retry_seconds)
            continue
        try:
            consumer.commit()
        except Exception as error:  # e.g. a rebalance: the batch is read again, and enqueueing it again adds nothing
            log.warning("could not commit offsets (%s); the batch will be read again", error)
            continue
        log.debug("enqueued %d deliveries from %d message(s); offsets committed", added, len(records))
