"""The commit of the batching consumer: the counted partitions' positions taken first, then their
pending state written, and nothing committed after a changelog record failed. Faust itself is
replaced by a recording stand-in; tests/streams/test_batch.py runs the consumer under any schedule
over an in-memory broker, and tests/integration proves the whole on a real one."""

import asyncio

from faust.types import TP

from streams.positions import Positions
from streams.worker.faust_batches import BatchingConsumer


class Commit:
    """What BatchingConsumer._commit_tps uses of the consumer, recording the order of the steps."""

    def __init__(self, outcome: str):
        self.steps, self.outcome, self.crashed = [], outcome, None
        self.batches = self
        self.topics = frozenset({"ucj.participant-events"})
        self.app = self
        self.producer = self
        self.positions = Positions()
        self.positions.start(TP("ucj.participant-events", 0), 42)

    def _should_commit(self, tp, offset):
        return True

    def _filter_committable_offsets(self, tps):
        self.steps.append(f"other offsets taken for {sorted(tps)}")
        return {}

    async def before_commit(self, partitions):
        self.steps.append(f"pending state of {sorted(partitions)} written")
        future = asyncio.get_running_loop().create_future()
        if self.outcome == "failed":
            future.set_exception(OSError("broker gone"))
        elif self.outcome == "cancelled":
            future.cancel()
        else:
            asyncio.get_running_loop().call_later(0.01, future.set_result, None)  # acknowledged after the flush returns
        return [future]

    async def flush(self):
        self.steps.append("producer flushed")

    async def crash(self, error):
        self.crashed = error

    async def _handle_attached(self, offsets):
        pass

    async def _commit_offsets(self, offsets, start_new_transaction):
        self.steps.append(f"committed {dict(offsets)}")
        return True


def commit(outcome: str) -> tuple[Commit, bool]:
    consumer = Commit(outcome)
    tps = [TP("ucj.participant-events", 0), TP("ucj-coverage-region-partials", 0)]
    return consumer, asyncio.run(BatchingConsumer._commit_tps(consumer, tps, True))


def test_the_offsets_are_the_positions_taken_before_the_state_is_written_and_committed_once_the_changelog_is_acknowledged():
    consumer, committed = commit("acknowledged")
    assert committed and consumer.crashed is None
    assert consumer.steps == [
        "other offsets taken for [TP(topic='ucj-coverage-region-partials', partition=0)]",
        "pending state of [0] written",
        "producer flushed",
        "committed {TP(topic='ucj.participant-events', partition=0): 42}",
    ]


def test_nothing_is_committed_after_a_changelog_record_failed_or_was_cancelled():
    for outcome in ("failed", "cancelled"):
        consumer, committed = commit(outcome)
        assert not committed and not any(step.startswith("committed") for step in consumer.steps)
        assert "not written" in str(consumer.crashed)


def test_the_worker_consumer_lets_the_broker_hold_an_empty_fetch_only_briefly():
    import faust

    from streams.worker.faust_batches import FETCH_MAX_WAIT_MS, consume_in_batches

    async def create() -> int:
        app = faust.App("ucj-fetch-wait-test", broker="kafka://127.0.0.1:1")
        topic = app.topic("ucj.participant-events")
        consume_in_batches(app, [topic], handle=lambda batch: None, before_commit=None)
        thread = app.consumer._thread
        consumer = thread._create_worker_consumer(app.transport)  # no connection before start()
        try:
            return consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()

    assert asyncio.run(create()) == FETCH_MAX_WAIT_MS <= 100
