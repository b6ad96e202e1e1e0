"""The naive baseline: a plain Faust Record agent that updates a table on every event.

It reads the same topic as the worker (under its own consumer group) and does what a first
Faust version would: decode each event into a Record and store it in a table. No
deduplication, no fold, not exact: it exists only to be timed against the real worker.
With UCJ_BENCH_MODE=iterate it only iterates the stream: the ceiling of any Faust agent.

    python bench/naive_app.py worker --web-port 49070   (with UCJ_KAFKA_BOOTSTRAP, UCJ_BENCH_DATA)
"""

from __future__ import annotations

import json
import os

import faust


class ParticipantEventRecord(faust.Record, serializer="json"):
    event_id: str
    type: str
    occurred_at: str
    participant_id: str
    region_code: str
    segment: str


MODE = os.environ.get("UCJ_BENCH_MODE", "naive")
app = faust.App(
    f"ucj-bench-{MODE}",
    broker="kafka://" + os.environ.get("UCJ_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
    store="rocksdb://",
    datadir=os.environ.get("UCJ_BENCH_DATA", "/tmp/ucj-bench-naive"),
    topic_partitions=8,
    table_standby_replicas=0,
    # the bench sees progress in the committed offsets: commit often, so the end shows within
    # half a second, not Faust's 2.8 s (one offset commit request each time)
    broker_commit_interval=0.5,
)
events = app.topic(
    "ucj.participant-events",
    key_type=bytes,
    value_type=bytes,
    key_serializer="raw",
    value_serializer="raw",
    partitions=8,
)
participants = app.Table("naive-participants", partitions=8)


@app.agent(events)
async def fold_naively(stream):
    async for event in stream.events():
        if MODE == "iterate":
            continue
        try:
            record = ParticipantEventRecord.from_data(json.loads(event.value))
        except (ValueError, TypeError, KeyError):
            continue
        participants[record.participant_id] = record.asdict()


if __name__ == "__main__":
    app.main()
