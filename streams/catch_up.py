"""Whether one event partition's counts include everything that was waiting for it.

Kafka-free: the worker tells it the offsets to reach, what it has processed and the end
of each topic as the consumer last saw it. A partition is caught up once it has processed
everything up to the end offsets seen when it was assigned, and again whenever its lag
returns to zero. The region stage judges figures only while every partition is caught up,
so an alert is never raised from a backlog still being counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

# A caught-up partition falls behind when more messages than this wait in it (events and
# re-keyed events together). One worker processes about 3,900 events/s over 8 partitions,
# about 490/s a partition (BENCHMARKS.md), so 500 waiting messages clear in about a second,
# well within the 5 s a partial takes to be refreshed even at a fifth of that speed: such a
# lag is ordinary flow, and the alert hold (at least two partial intervals) outlasts the
# partial picture it gives. More than that is a backfill, a replay or a stall, and the
# stage waits until the partition has read what was there when it fell behind.
FALLING_BEHIND_MESSAGES = 500

Offsets = Mapping[str, int]  # topic -> offset


@dataclass(frozen=True)
class CatchUp:
    target: Offsets | None = None  # offsets to process before being caught up; None: not known yet
    caught_up: bool = False


def assigned() -> CatchUp:
    """A partition just assigned or recovered: not caught up until its target is known and reached."""
    return CatchUp()


def with_target(state: CatchUp, end_offsets: Offsets) -> CatchUp:
    """The end offsets seen on assignment: everything before them must be counted."""
    return state if state.caught_up else CatchUp(dict(end_offsets), False)


def progressed(state: CatchUp, processed: Offsets, highwaters: Mapping[str, int | None]) -> CatchUp:
    """The state after processing up to `processed` (next offsets), with the topics' ends as last seen.

    A topic missing from `processed` has an unknown position: it cannot count as reached.
    """
    if state.caught_up:
        if _waiting(processed, highwaters) > FALLING_BEHIND_MESSAGES:
            return CatchUp({t: h for t, h in highwaters.items() if h is not None}, False)
        return state
    if (
        state.target is not None
    ):  # the end it must reach is known: a zero lag on an older view of the topic does not count
        return CatchUp(None, True) if _reached(processed, state.target) else state
    lag_is_zero = bool(highwaters) and None not in highwaters.values() and _reached(processed, highwaters)
    return CatchUp(None, True) if lag_is_zero else state


def _reached(processed: Offsets, offsets: Mapping[str, int | None]) -> bool:
    """Whether every topic is processed up to its offset (an unknown offset is never reached)."""
    return all(
        topic in processed and offset is not None and processed[topic] >= offset for topic, offset in offsets.items()
    )


def _waiting(processed: Offsets, highwaters: Mapping[str, int | None]) -> int:
    return sum(max(0, h - processed[t]) for t, h in highwaters.items() if h is not None and t in processed)
