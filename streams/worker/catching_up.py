"""Whether each owned event partition has caught up: the offsets to reach are learnt from the
broker in the background, progress is followed on the worker's one-second tick.

streams/catch_up.py decides, Kafka-free; this keeps its state per partition and asks the broker."""

from __future__ import annotations

import asyncio
import logging
from typing import Callable, Iterable

from faust.types import TP

from streams.broker.kafka_access import KafkaAccess
from streams.broker.offsets import spans
from streams.catch_up import CatchUp, assigned, progressed, with_target

log = logging.getLogger(__name__)


class CatchUpTracker:
    def __init__(
        self,
        kafka: KafkaAccess,
        group: str,
        topics: tuple[str, ...],
        next_offsets: dict[tuple[str, int], int],
        highwater: Callable[[TP], int | None],
        generation: Callable[[], int],
    ):
        self.kafka, self.group, self.topics = kafka, group, topics
        self.next_offsets = next_offsets  # (topic, partition) -> next offset to process, the worker's
        self.highwater, self.generation = highwater, generation
        self.states: dict[int, CatchUp] = {}  # events partition -> whether its counts include what was waiting
        self._learning: tuple[int, asyncio.Future] | None = None  # (generation, query) of starts and ends

    def assigned(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self.states[partition] = assigned()

    def forget(self, partition: int) -> None:
        self.states.pop(partition, None)

    def caught_up(self, partition: int) -> bool:
        return self.states.get(partition, CatchUp()).caught_up

    def caught_up_partitions(self) -> list[int]:
        return sorted(p for p, state in self.states.items() if state.caught_up)

    def tick(self) -> dict[int, bool]:
        """Learn targets, follow progress; each partition's caught-up state as it is now."""
        self._learn_targets()
        return self._follow()

    def _learn_targets(self) -> None:
        """Asks the broker where recovered partitions start and end; the answer is taken a later tick."""
        generation = self.generation()
        if self._learning is not None:
            asked_in, query = self._learning
            if not query.done():
                return
            self._learning = None
            try:
                found = query.result()
            except Exception:
                log.exception("could not read the offsets of recovered partitions; asking again")
                return
            if asked_in != generation:  # a rebalance since: the answer is for partitions we may not own
                return
            for partition in self._without_target():
                ends = {topic: found[(topic, partition)].end for topic in self.topics if (topic, partition) in found}
                if len(ends) != len(self.topics):
                    continue
                for topic in self.topics:  # what the group committed was processed, by us or before us
                    key = (topic, partition)
                    self.next_offsets[key] = max(self.next_offsets.get(key, 0), found[key].start)
                self.states[partition] = with_target(self.states[partition], ends)
                log.info("partition %d is caught up once it has processed up to %s", partition, ends)
        waiting = self._without_target()
        if waiting and self._learning is None:
            wanted = [(topic, p) for p in waiting for topic in self.topics]
            query = asyncio.get_running_loop().run_in_executor(None, spans, self.kafka, self.group, wanted)
            self._learning = (generation, query)

    def _without_target(self) -> list[int]:
        """Partitions that wait to learn where they must read up to."""
        return [p for p, state in self.states.items() if state.target is None and not state.caught_up]

    def _follow(self) -> dict[int, bool]:
        for partition, state in list(self.states.items()):
            processed = {
                t: self.next_offsets[(t, partition)] for t in self.topics if (t, partition) in self.next_offsets
            }
            highwaters = {t: self.highwater(TP(t, partition)) for t in self.topics}
            now = progressed(state, processed, highwaters)
            if now.caught_up != state.caught_up:
                log.info(
                    "partition %d %s",
                    partition,
                    "is caught up" if now.caught_up else f"fell behind; caught up again at {now.target}",
                )
            self.states[partition] = now
        return {partition: state.caught_up for partition, state in self.states.items()}
