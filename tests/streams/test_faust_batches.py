"""The commit of the batching consumer: offsets taken first, then the pending state written, and
nothing committed after a changelog record failed. Faust itself is replaced by a recording stand-in
(tests/integration proves the whole on a real broker)."""
import asyncio

from streams.faust_batches import BatchingConsumer


class Commit:
    """What BatchingConsumer._commit_tps uses of the consumer, recording the order of the steps."""

    def __init__(self, outcome: str):
        self.steps, self.outcome, self.crashed = [], outcome, None
        self.batches = self
        self.app = self
        self.producer = self

    def _filter_committable_offsets(self, tps):
        self.steps.append("offsets taken")
        return {("ucj.participant-events", 0): 42}

    async def before_commit(self):
        self.steps.append("pending state written")
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
        self.steps.append(f"committed {offsets}")
        return True


def commit(outcome: str) -> tuple[Commit, bool]:
    consumer = Commit(outcome)
    return consumer, asyncio.run(BatchingConsumer._commit_tps(consumer, None, True))


def test_offsets_are_taken_before_the_state_is_written_and_committed_once_the_changelog_is_acknowledged():
    consumer, committed = commit("acknowledged")
    assert committed and consumer.crashed is None
    assert consumer.steps == ["offsets taken", "pending state written", "producer flushed", "committed {('ucj.participant-events', 0): 42}"]


def test_nothing_is_committed_after_a_changelog_record_failed_or_was_cancelled():
    for outcome in ("failed", "cancelled"):
        consumer, committed = commit(outcome)
        assert not committed and not any(step.startswith("committed") for step in consumer.steps)
        assert "not written" in str(consumer.crashed)


class Fetching:
    """What BatchingConsumer._drain_messages uses of the consumer: one fetch that completes after a
    rebalance (generation 2 to 3), then the consumer stops."""

    consumer_stopped_errors = ()
    should_stop = False

    def __init__(self):
        self.app = self
        self.consumer_generation_id = 2
        self.batches = self
        self.topics_batched = frozenset({"ucj.participant-events"})
        self.diag = self
        self._stopped = asyncio.Event()
        self._read_offset = {}
        self.callback = None
        self.taken = []

    @property
    def topics(self):  # batches.topics (a set of names) and app.topics (acks_enabled_for) in one
        return self

    def __contains__(self, topic):
        return topic in self.topics_batched

    def acks_enabled_for(self, topic):
        return True

    def set_flag(self, flag):
        pass

    def unset_flag(self, flag):
        pass

    async def sleep(self, seconds):
        pass

    async def getmany(self, timeout):
        self.consumer_generation_id = 3  # the rebalance, and its seek, happened while records were awaited
        yield ("tp", Message())
        self._stopped.set()

    async def _take_batch(self, batch, generation, read_offset, acks_enabled_for):
        self.taken.append((len(batch), generation))


class Message:
    topic = "ucj.participant-events"


def test_a_fetch_that_returns_after_a_rebalance_counts_as_the_new_generation():
    consumer = Fetching()
    fetcher = Fetching()
    asyncio.run(BatchingConsumer._drain_messages(consumer, fetcher))
    assert consumer.taken == [(1, 3)]  # handed over as generation 3's: not thrown away as the old one's


def test_the_worker_consumer_lets_the_broker_hold_an_empty_fetch_only_briefly():
    import faust

    from streams.faust_batches import FETCH_MAX_WAIT_MS, consume_in_batches

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
