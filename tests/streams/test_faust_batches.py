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
