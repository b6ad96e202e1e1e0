"""A pure, deterministic stream of Kalimantan Barat participant events (schema v1).

The stream is produced in occurred_at order from a heap holding one pending action per
participant, then a few records are held back (late arrivals), redelivered (duplicates) or
broken (invalid inputs). Memory grows with the number of participants, not of events.
"""

from __future__ import annotations

import base64
import heapq
import random
from datetime import date, datetime
from typing import Iterator, NamedTuple, Optional, Tuple

from services.dev.simulation import mix
from services.dev.simulation.days import DAY, day_of, iso_moment, moment_of
from services.dev.simulation.faults import encode, invalid_value
from services.dev.simulation.geography import Geography, load_geography
from services.dev.simulation.lives import Participant, World
from services.dev.simulation.programmes import Programmes
from services.dev.simulation.sampling import WeightedChoice, chance
from services.dev.simulation.waves import EnrollmentWaves

SCHEMA = "ucj.participant-event/1"
SEGMENTS = WeightedChoice(mix.SEGMENT_MIX)
INVALID_REASONS = WeightedChoice(mix.INVALID_MIX)


class SimulatedRecord(NamedTuple):
    value: bytes  # the exact bytes to publish
    key: bytes | None  # participant_id as UTF-8
    valid: bool  # False for a deliberately invalid input
    duplicate: bool  # True for a redelivery of an earlier record's bytes
    invalid_reason: str | None = None  # the validator's rejection reason, for invalid records


def participant_id(seed: int, index: int) -> str:
    """A pseudonym, unique per (seed, index): a bijective 64-bit mix, so ids never collide.

    Written as 13 characters of lower-case base32, which has no 0, 1, 8 or 9: an id can never
    be NIK-shaped, which validation rejects (16 hex digits were, for about one id in 60,000).
    """
    x = (index ^ (seed * 0x9E3779B97F4A7C15)) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    mixed = (x ^ (x >> 31)).to_bytes(8, "big")
    return "P-" + base64.b32encode(mixed).decode("ascii").rstrip("=").lower()


def generate_events(
    *,
    participants: int,
    seed: int,
    start: date,
    end: date,
    now: datetime,
    geography: Geography | None = None,
) -> Iterator[SimulatedRecord]:
    """Records for `participants` people joining between `start` and `end`; nothing after `now`.

    A naive `now` is taken as Pontianak time (UTC+07:00).
    """
    rng = random.Random(seed)
    now_moment = moment_of(now)
    cutoff = min((end.toordinal() + 1) * DAY - 1, now_moment)
    first_day = start.toordinal()
    if participants <= 0 or cutoff < first_day * DAY:
        return
    geography = geography or load_geography()
    world = World(rng, geography, Programmes(seed, geography.workforce, first_day, cutoff), cutoff)
    plans = _plan_participants(world, participants, first_day)
    yield from _Stream(world, seed, now_moment).run(plans)


# (first moment, index, region, segment, assistance payer, budget year): one per participant
Plan = Tuple[int, int, str, str, Optional[str], int]


def _plan_participants(world: World, participants: int, first_day: int) -> list[Plan]:
    """Who joins when, sorted by time: a campaign-shaped start, or registration for a batch."""
    rng, cutoff = world.rng, world.cutoff
    last_day = day_of(cutoff)
    waves = EnrollmentWaves(first_day, last_day)
    plans = []
    for index in range(participants):
        region, segment = world.regions.draw(rng), SEGMENTS.pick(rng)
        batch = world.programmes.draw(rng, region) if segment == "BPU" else None
        if batch is None:
            payer, year, moment = None, 0, world.office_hours(waves.draw(rng))
        else:
            payer, year, batch_day = batch
            moment = world.office_hours(max(first_day, batch_day - rng.randint(1, 30)))
        if moment > cutoff:  # on the last day, office hours may still be ahead of the clock
            moment = rng.randint(last_day * DAY, cutoff)
        plans.append((moment, index, region, segment, payer, year))
    plans.sort()
    return plans


class _Stream:
    def __init__(self, world: World, seed: int, now_moment: int):
        self.world, self.rng, self.seed, self.now_moment = world, world.rng, seed, now_moment
        self.pending: list = []  # (moment, sequence, participant, action): each one's next action
        self.held: list = []  # (release moment, sequence, record): late arrivals and redeliveries
        self.sequence = 0
        self.events = 0

    def run(self, plans: list[Plan]) -> Iterator[SimulatedRecord]:
        pending, world, count, next_plan = self.pending, self.world, len(plans), 0
        while next_plan < count or pending:
            if pending and (next_plan == count or pending[0][0] < plans[next_plan][0]):
                t, _, participant, action = heapq.heappop(pending)
            else:
                t, index, region, segment, payer, year = plans[next_plan]
                plans[next_plan] = None  # type: ignore[call-overload]  # let the plan go once the participant exists
                next_plan += 1
                pseudonym = participant_id(self.seed, index)
                participant = Participant(world, pseudonym, region, segment, payer, year)
                action = participant.start
            event, next_t, next_action = action(t)
            if next_action is not None and next_t is not None and next_t <= world.cutoff:
                self.sequence += 1
                heapq.heappush(pending, (max(next_t, t + 60), self.sequence, participant, next_action))
            if event is not None:
                if self.held and self.held[0][0] <= t:
                    yield from self._release(t)
                yield from self._deliver(t, self._event(t, event, participant))
        yield from self._release(None)

    def _event(self, t: int, event, participant: Participant) -> dict:
        kind, source, fields = event
        return {
            "schema": SCHEMA,
            "event_id": self._next_event_id(),
            "type": kind,
            "occurred_at": iso_moment(t),
            "participant_id": participant.participant_id,
            "region_code": participant.region,
            "segment": participant.segment,
            "source": source,
            **fields,
        }

    def _next_event_id(self) -> str:
        self.events += 1
        return f"sim-{self.seed}-{self.events}"

    def _deliver(self, t: int, event: dict) -> Iterator[SimulatedRecord]:
        rng, key = self.rng, event["participant_id"].encode()
        if chance(rng, mix.INVALID_SHARE):
            yield self._invalid(event)
        record = SimulatedRecord(encode(event), key, valid=True, duplicate=False)
        released = t
        if chance(rng, mix.LATE_ARRIVAL_SHARE):
            released = t + rng.randint(*mix.LATE_DELAY_SECONDS)
            self._hold(released, record)
        else:
            yield record
        if chance(rng, mix.DUPLICATE_SHARE):
            self._hold(released + rng.randint(*mix.DUPLICATE_DELAY_SECONDS), record._replace(duplicate=True))

    def _invalid(self, event: dict) -> SimulatedRecord:
        reason = INVALID_REASONS.pick(self.rng)
        broken = dict(event, event_id=self._next_event_id())
        value = invalid_value(broken, reason, self.rng, self.now_moment)
        key = broken["participant_id"].encode()
        return SimulatedRecord(value, key, valid=False, duplicate=False, invalid_reason=reason)

    def _hold(self, release: int, record: SimulatedRecord) -> None:
        self.sequence += 1
        heapq.heappush(self.held, (release, self.sequence, record))

    def _release(self, until: int | None) -> Iterator[SimulatedRecord]:
        """Records held back until `until` (all of them at the end of the stream)."""
        held = self.held
        while held and (until is None or held[0][0] <= until):
            yield heapq.heappop(held)[2]
