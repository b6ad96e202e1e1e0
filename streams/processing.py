"""The service layer of the worker: validated events in, participant state and counts updated.

Kafka-free, so it runs the same under Faust and in tests. The participant store is a
ParticipantStore (streams/participant_store.py): the write-behind store over the Faust table in
production, a dict in tests.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from datetime import date
from typing import Iterable, NamedTuple

from .clock import Clock
from .codec import CoverageKey, coverage_of, decode_coverage_key, decode_summary
from .domain.cliff import CliffContribution, cliff_on
from .domain.counts import ActiveCounts
from .domain.events import ParticipantEvent, type_name
from .domain.fold import Contribution, Coverage, contribution_on
from .domain.folded import NOTHING
from .domain.history import DailyActive, Span, active_spans
from .domain.ownership import NOBODY, Owners, refusal
from .domain.regions import LEVELS, RegionTree
from .domain.validation import Rejected, parse_event
from .participant_state import Update, updated
from .participant_store import ParticipantStore

log = logging.getLogger(__name__)


class Outcome(NamedTuple):  # a tuple: built for every event, three times faster than a dataclass
    kind: str  # "applied", "duplicate", or NOT_OWNED when refused (then `refused` says why)
    event_type: str  # wire type
    refused: Rejected | None = None


_versions = itertools.count(1)
# what a participant adds to a partition's counts: contribution, cliff contribution, the
# regions of its daily history, and its active spans
_Parts = tuple[Contribution | None, CliffContribution | None, tuple[str, ...], tuple[Span, ...]]


class PartitionCounts:
    """What one partition's participants add up to on the counted day; derived, never stored."""

    def __init__(self) -> None:
        self.active: ActiveCounts[Contribution] = ActiveCounts()
        self.cliff: ActiveCounts[CliffContribution] = ActiveCounts()
        self.daily = DailyActive()  # by region, day by day
        self.version = next(_versions)  # changes with every change of the counts

    def total(self) -> int:
        return self.active.total()


class CoverageProcessor:
    def __init__(
        self,
        regions: RegionTree,
        store: ParticipantStore,
        clock: Clock,
        history_levels: tuple[str, ...] = LEVELS[:3],
    ):
        self.regions = regions
        self.store = store
        self.clock = clock
        self.history_levels = history_levels  # the daily history is kept for regions at these levels
        self.owners: Owners = NOBODY  # who may change whom (streams/domain/ownership.py)
        self._history_chains: dict[str, tuple[str, ...]] = {}
        self.counts: dict[int, PartitionCounts] = {}
        self.counted_on: date = clock.today()
        self._nobody = self._parts(NOTHING.coverage)  # what a participant without state adds: nothing

    def validate(self, raw: bytes | None) -> ParticipantEvent | Rejected:
        return parse_event(raw, self.regions, self.clock.now())

    def apply_events(self, events: list[ParticipantEvent], partition: int) -> list[Outcome]:
        """Fold valid events of one participant into its state and the partition's counts.

        The state is read and written once however many events there are. Everything that
        can fail is computed before the store or the counts change, so a participant whose
        events cannot be folded (an exception) leaves both exactly as they were.
        """
        participant_id = events[0].participant_id
        stored = self.store.get(partition, participant_id)
        owners = self.owners
        refusals: list[Rejected | None] | None = None
        if any(owners.scoped(e.source) for e in events):
            update, refusals = self._owned_update(stored, partition, events)
        else:
            update = updated(stored, partition, events)
        changed = update.value is not None
        if changed:
            before = self._nobody if update.before is NOTHING else self._parts(update.before.coverage)
            move = before, self._parts(update.after.coverage)
        # Written even when nothing changed: after a crash, local state can hold writes whose
        # changelog records were lost in flight. Redelivery from the committed offset then
        # puts them back in the changelog before the offsets move past them.
        value = update.value if changed else stored
        assert value is not None  # a new participant's first event always applies
        self.store.put(partition, participant_id, value)
        if changed:
            self._move(self.counts_of(partition), *move)
        outcomes = [
            Outcome("applied" if applied else "duplicate", type_name(e)) for e, applied in zip(events, update.applied)
        ]
        if refusals is not None:
            for index, why in enumerate(refusals):
                if why is not None:
                    outcomes[index] = Outcome(why.reason, outcomes[index].event_type, why)
        return outcomes

    def _owned_update(
        self, stored: bytes | None, partition: int, events: list[ParticipantEvent]
    ) -> tuple[Update, list[Rejected | None]]:
        """The update of events of which some come from scoped sources, one event at a time,
        each judged against the participant's region after the events before it."""
        before = NOTHING if stored is None else decode_summary(stored)[1]
        after, value = before, stored
        applied: list[bool] = []
        refusals: list[Rejected | None] = []
        for event in events:
            why = refusal(event, after.coverage.region_code, self.owners)
            refusals.append(why)
            if why is not None:
                applied.append(False)
                continue
            step = updated(value, partition, [event])
            applied.append(step.applied[0])
            if step.value is not None:
                after, value = step.after, step.value
        return Update(before, after, value if value is not stored else None, tuple(applied)), refusals

    def counts_of(self, partition: int) -> PartitionCounts:
        counts = self.counts.get(partition)
        if counts is None:  # not setdefault: that would build new counts on every call
            counts = self.counts[partition] = PartitionCounts()
        return counts

    def use_regions(self, regions: RegionTree) -> None:
        """Validate against a reloaded registry from now on."""
        self.regions = regions
        self._history_chains = {}

    def use_owners(self, owners: Owners) -> None:
        """Judge who may change whom by a reloaded registry's sources from now on."""
        self.owners = owners

    def _move(self, counts: PartitionCounts, before: _Parts, after: _Parts, participants: int = 1) -> None:
        """Move participants' parts in the counts; cannot fail once both parts are computed."""
        old_contribution, old_cliff, old_chain, old_spans = before
        contribution, cliff, chain, spans = after
        counts.active.move(old_contribution, contribution, participants)
        counts.cliff.move(old_cliff, cliff, participants)
        if (old_chain, old_spans) != (chain, spans):
            counts.daily.move(old_chain, old_spans, chain, spans, participants)
        counts.version = next(_versions)

    def _parts(self, coverage: Coverage) -> _Parts:
        """What a participant adds to each of the partition's counts."""
        day, spans = self.counted_on, active_spans(coverage)
        if spans and spans[-1][1] == date.max:
            # the daily history marks the day after each span, and 9999-12-31 has none:
            # fail here, before the counts move, rather than halfway through them
            raise OverflowError("coverage that ends on 9999-12-31 has no day after it")
        return contribution_on(coverage, day), cliff_on(coverage, day, spans), self._history_chain(coverage), spans

    def _history_chain(self, coverage: Coverage) -> tuple[str, ...]:
        code = coverage.region_code
        if code is None:
            return ()
        chain = self._history_chains.get(code)
        if chain is None:
            chain = tuple(
                c for c in self.regions.self_and_ancestors(code) if self.regions.level_of(c) in self.history_levels
            )
            self._history_chains[code] = chain
        return chain

    def rebuild(self, partitions: Iterable[int]) -> None:
        """Recount the given partitions from stored state (after recovery or a new day).

        Reads the folded coverage kept in each state, not the history, and works out what a
        coverage adds to the counts once for all the participants who have the same one.
        """
        wanted = set(partitions)
        alike: dict[int, Counter[CoverageKey]] = {p: Counter() for p in wanted}  # partition -> coverage -> participants
        for value in self.store.values_of(wanted):  # and maybe other partitions': each value names its own
            partition, coverage = decode_coverage_key(value)
            if partition in alike:
                alike[partition][coverage] += 1
        fresh = {p: PartitionCounts() for p in wanted}
        for partition, coverages in alike.items():
            for coverage, participants in coverages.items():
                self._move(fresh[partition], self._nobody, self._parts(coverage_of(coverage)), participants)
        self.counts.update(fresh)
        log.info(
            "recounted partitions %s for %s: %d active",
            sorted(wanted),
            self.counted_on,
            sum(c.total() for c in fresh.values()),
        )

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop the counts of partitions this worker no longer owns."""
        for partition in partitions:
            self.counts.pop(partition, None)

    def turn_day_if_needed(self) -> bool:
        """Counts follow the calendar: on a new local day, recount every owned partition.

        The recount reads every participant's kept coverage once, not its history (some 40,000
        participants/s in process, bench/depth_inprocess.py), and holds the worker meanwhile,
        once a day at midnight.
        """
        today = self.clock.today()
        if today == self.counted_on:
            return False
        log.info("day turned from %s to %s", self.counted_on, today)
        self.counted_on = today
        self._nobody = self._parts(NOTHING.coverage)
        self.rebuild(list(self.counts))
        return True
